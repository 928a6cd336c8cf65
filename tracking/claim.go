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
