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
// artifacts and tags, in one transaction, and returns the artifacts it had so
// the caller can delete the files. A RUNNING run is refused: its process is
// alive (otherwise Open would have reaped it) and would fail on its next
// write. Runs resumed from the deleted run keep running but lose the link.
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
		rows, err := tx.QueryContext(ctx, `SELECT run_id, kind, path, sha256, size, created_ms FROM artifacts
			WHERE run_id = ? ORDER BY kind, path`, id)
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
