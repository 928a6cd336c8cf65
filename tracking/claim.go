package tracking

import (
	"context"
	"errors"

	"github.com/mattn/go-sqlite3"
)

// isUniqueViolation reports whether err is SQLite's UNIQUE constraint error (the runs_one_running index
// of migration 0003 for StartRun).
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// claimedError names the RUNNING run that holds the trial info wanted to start.
func (s *Store) claimedError(ctx context.Context, info RunInfo) error {
	var id, host string
	var pid int
	err := s.db.QueryRowContext(ctx, `SELECT id, host, pid FROM runs WHERE status = 'RUNNING'
		AND experiment = ? AND trial = ? AND config_hash = ?`, info.Experiment, info.Trial, info.ConfigHash).
		Scan(&id, &host, &pid)
	if err != nil {
		return errorf("start run of %s/%s: %w", info.Experiment, info.Trial, ErrClaimed)
	}
	return errorf("start run of %s/%s: %w: run %s (host %s, pid %d)", info.Experiment, info.Trial, ErrClaimed, id, host, pid)
}

// Lineage returns the run id (or unambiguous prefix) resolved, followed by the runs it resumed from,
// newest first: the runs whose checkpoints it may continue.
func (s *Store) Lineage(ctx context.Context, idOrPrefix string) ([]string, error) {
	id, err := s.resolve(ctx, idOrPrefix)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `WITH RECURSIVE chain(id, resumed_from, depth) AS (
			SELECT id, resumed_from, 0 FROM runs WHERE id = ?
			UNION ALL
			SELECT r.id, r.resumed_from, c.depth + 1 FROM runs r JOIN chain c ON r.id = c.resumed_from
			WHERE c.depth < 10000)
		SELECT id FROM chain ORDER BY depth`, id)
	if err != nil {
		return nil, s.wrap("lineage of run "+id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, s.wrap("lineage of run "+id, err)
		}
		out = append(out, r)
	}
	return out, s.wrap("lineage of run "+id, rows.Err())
}
