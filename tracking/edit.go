package tracking

import (
	"context"
	"database/sql"
	"strings"
)

// Tag sets a free-form key=value tag on a run (id or unambiguous prefix),
// replacing the previous value of that key.
func (s *Store) Tag(ctx context.Context, idOrPrefix, key, value string) error {
	if err := s.writable(); err != nil {
		return err
	}
	if strings.TrimSpace(key) == "" {
		return invalid("tag key", key, "a non-empty key")
	}
	id, err := s.resolve(ctx, idOrPrefix)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`, id, key, value)
		return err
	})
	return s.wrap("tag run "+id, err)
}

// Delete removes a run (id or unambiguous prefix) with its params, epochs,
// artifacts and tags, in one transaction, and returns the artifacts whose
// files the caller may delete: those that no other run records (by path)
// and, while another run of the same experiment, trial and config is
// RUNNING, none at all (its trial folder is in use). A RUNNING run is
// refused: its process is alive (otherwise Open would have reaped it) and
// would fail on its next write. Runs resumed from the deleted run keep
// running but lose the link.
func (s *Store) Delete(ctx context.Context, idOrPrefix string) ([]Artifact, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	id, err := s.resolve(ctx, idOrPrefix)
	if err != nil {
		return nil, err
	}
	var arts []Artifact
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, id).Scan(&status); err != nil {
			return err
		}
		if Status(status) == Running {
			return errorf("run %s is RUNNING; it can be deleted once it has ended: %w", id, ErrInvalid)
		}
		rows, err := tx.QueryContext(ctx, `SELECT a.run_id, a.kind, a.path, a.sha256, a.size, a.created_ms
			FROM artifacts a JOIN runs r ON r.id = a.run_id
			WHERE a.run_id = ?
			AND NOT EXISTS (SELECT 1 FROM artifacts o WHERE o.path = a.path AND o.run_id != a.run_id)
			AND NOT EXISTS (SELECT 1 FROM runs l WHERE l.status = 'RUNNING' AND l.experiment = r.experiment
				AND l.trial = r.trial AND l.config_hash = r.config_hash)
			ORDER BY a.kind, a.path`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a Artifact
			var created int64
			if err := rows.Scan(&a.RunID, &a.Kind, &a.Path, &a.SHA256, &a.Size, &created); err != nil {
				rows.Close()
				return err
			}
			a.Created = fromMS(created)
			arts = append(arts, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM runs WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, s.wrap("delete run "+id, err)
	}
	return arts, nil
}
