package tracking

import (
	"maps"
	"slices"

	"context"
	"database/sql"
	"errors"
	"os"
	"runtime"
	"strings"
)

// RunInfo describes a run when it starts. Experiment, Trial and ConfigHash
// are required; Host, PID and GoVersion default to this process's.
type RunInfo struct {
	Experiment string
	Trial      string
	// ConfigText is the resolved configuration as text (for example YAML);
	// ConfigHash identifies it, so finished trials can be skipped on rerun.
	ConfigText string
	ConfigHash string
	Seed       int64
	// Params is the flattened resolved configuration, one dotted key per
	// value; runs can be filtered and compared by any key.
	Params    map[string]string
	GitCommit string
	GitDirty  bool
	GoVersion string
	Host      string
	PID       int
	Threads   int
	// ResumedFrom is the id of the run whose checkpoint this run continues.
	// The new run takes over that run's artifacts (the files it continues),
	// so deleting the earlier run never removes them.
	ResumedFrom string
}

// Run is a live run started by this process. Its methods write through the
// store that created it; they fail with [ErrNotRunning] once the run has
// ended or was reaped.
type Run struct {
	ID    string
	store *Store
}

// StartRun records a new RUNNING run with a new id (a random version 4
// UUID unless Options.NewID says otherwise). It
// starts no goroutine; see [Run.StartHeartbeat] and [Run.Execute].
//
// Starting a run claims its trial: while a run of the same experiment,
// trial and config hash is RUNNING, StartRun fails with [ErrClaimed]
// naming it (a unique index checked inside the inserting transaction, so
// of several processes racing, exactly one wins).
func (s *Store) StartRun(ctx context.Context, info RunInfo) (*Run, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if err := info.validate(); err != nil {
		return nil, err
	}
	if info.Host == "" {
		info.Host = s.host
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.GoVersion == "" {
		info.GoVersion = runtime.Version()
	}
	id := s.newID()
	now := ms(s.now())
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var resumedFrom any
		if info.ResumedFrom != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE id = ?`, info.ResumedFrom).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errorf("RunInfo.ResumedFrom: run %q: %w", info.ResumedFrom, ErrNotFound)
			}
			resumedFrom = info.ResumedFrom
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO experiments (name, created_ms) VALUES (?, ?)`,
			info.Experiment, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, experiment, trial, status, config_text, config_hash,
			seed, start_ms, heartbeat_ms, git_commit, git_dirty, go_version, host, pid, threads, resumed_from)
			VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, info.Experiment, info.Trial, info.ConfigText, info.ConfigHash, info.Seed, now, now,
			info.GitCommit, info.GitDirty, info.GoVersion, info.Host, info.PID, info.Threads, resumedFrom); err != nil {
			return err
		}
		if info.ResumedFrom != "" {
			// The new run continues the files of the run it resumes (same trial folder, same paths):
			// they become its artifacts, so the earlier run no longer owns, lists or deletes them.
			if _, err := tx.ExecContext(ctx, `UPDATE artifacts SET run_id = ? WHERE run_id = ?`, id, info.ResumedFrom); err != nil {
				return err
			}
		}
		for _, k := range slices.Sorted(maps.Keys(info.Params)) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)`,
				id, k, info.Params[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if isUniqueViolation(err) {
		return nil, s.claimedError(ctx, info)
	}
	if err != nil {
		return nil, s.wrap("start run", err)
	}
	return &Run{ID: id, store: s}, nil
}

func (info RunInfo) validate() error {
	switch {
	case strings.TrimSpace(info.Experiment) == "":
		return invalid("RunInfo.Experiment", info.Experiment, "a non-empty experiment name")
	case strings.TrimSpace(info.Trial) == "":
		return invalid("RunInfo.Trial", info.Trial, "a non-empty trial name")
	case strings.TrimSpace(info.ConfigHash) == "":
		return invalid("RunInfo.ConfigHash", info.ConfigHash, "the hash of the resolved config")
	case info.PID < 0:
		return invalid("RunInfo.PID", info.PID, "a process id >= 0 (0 means this process)")
	case info.Threads < 0:
		return invalid("RunInfo.Threads", info.Threads, "a thread count >= 0")
	}
	for k := range info.Params {
		if k == "" {
			return invalid("RunInfo.Params", k, "non-empty keys")
		}
	}
	return nil
}

// Heartbeat records that the run is alive now.
func (r *Run) Heartbeat(ctx context.Context) error {
	return r.updateRunning(ctx, "heartbeat of run "+r.ID, `UPDATE runs SET heartbeat_ms = ? WHERE id = ?`,
		func(now int64) []any { return []any{now, r.ID} })
}

// Finish ends the run with status FINISHED, FAILED or KILLED, recording the
// end time and, for FAILED and KILLED, the error text. A FINISHED run
// carries no error text. A run is finished once; a second call fails with
// [ErrNotRunning].
func (r *Run) Finish(ctx context.Context, status Status, errText string) error {
	if !status.terminal() {
		return invalid("Finish status", status, "FINISHED, FAILED or KILLED")
	}
	if status == Finished && errText != "" {
		return invalid("Finish error text", errText, "empty for a FINISHED run (use FAILED)")
	}
	return r.updateRunning(ctx, "finish run "+r.ID,
		`UPDATE runs SET status = ?, error = ?, end_ms = ?, heartbeat_ms = ? WHERE id = ?`,
		func(now int64) []any { return []any{string(status), errText, now, now, r.ID} })
}

// SetTestMetrics records the test-split result; call it before Finish.
func (r *Run) SetTestMetrics(ctx context.Context, loss, top1, top5 float64) error {
	return r.updateRunning(ctx, "test metrics of run "+r.ID,
		`UPDATE runs SET test_loss = ?, test_top1 = ?, test_top5 = ?, heartbeat_ms = ? WHERE id = ?`,
		func(now int64) []any { return []any{nullable(loss), nullable(top1), nullable(top5), now, r.ID} })
}

// updateRunning executes one UPDATE of the run's row in a write transaction,
// after checking that the run still exists and is RUNNING. args gives the
// query's arguments for the time the transaction started (taken inside it,
// so a wait for the write lock does not age it); what names the action in
// errors.
func (r *Run) updateRunning(ctx context.Context, what, query string, args func(now int64) []any) error {
	s := r.store
	if err := s.writable(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := r.runningBest(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, query, args(ms(s.now()))...)
		return err
	})
	return s.wrap(what, err)
}

// runningBest checks, inside a write transaction, that the run exists and
// is RUNNING, and returns its current best validation top-1 (NULL if none).
func (r *Run) runningBest(ctx context.Context, tx *sql.Tx) (sql.NullFloat64, error) {
	var status, errText string
	var best sql.NullFloat64
	err := tx.QueryRowContext(ctx, `SELECT status, error, best_val_top1 FROM runs WHERE id = ?`, r.ID).
		Scan(&status, &errText, &best)
	if errors.Is(err, sql.ErrNoRows) {
		return best, errorf("run %s (deleted?): %w", r.ID, ErrNotFound)
	}
	if err != nil {
		return best, err
	}
	if Status(status) != Running {
		if errText != "" {
			return best, errorf("run %s is %s (%s): %w", r.ID, status, errText, ErrNotRunning)
		}
		return best, errorf("run %s is %s: %w", r.ID, status, ErrNotRunning)
	}
	return best, nil
}

// tx runs fn in one IMMEDIATE transaction (the DSN's _txlock), committing
// if fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// wrap prefixes an error with what was being done, unless it already came
// from this package (and so already names its subject).
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if strings.HasPrefix(err.Error(), "tracking: ") {
		return err
	}
	return errorf("%s: %s: %w", s.path, what, err)
}
