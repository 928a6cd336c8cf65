package tracking

import (
	"context"
	"time"
)

// reap marks dead RUNNING runs FAILED and returns how many it marked. A run
// is dead if it was started on this host by a process that no longer exists
// ("process gone"), or if its heartbeat is older than the stale threshold
// ("heartbeat lost"). The end time of a reaped run is its last heartbeat,
// the last moment it was known to be alive.
func (s *Store) reap(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, errorf("%s: reap: %w", s.path, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, host, pid, heartbeat_ms FROM runs WHERE status = 'RUNNING'`)
	if err != nil {
		return 0, errorf("%s: reap: %w", s.path, err)
	}
	type live struct {
		id, host  string
		pid       int
		heartbeat int64
	}
	var running []live
	for rows.Next() {
		var r live
		if err := rows.Scan(&r.id, &r.host, &r.pid, &r.heartbeat); err != nil {
			rows.Close()
			return 0, errorf("%s: reap: %w", s.path, err)
		}
		running = append(running, r)
	}
	if err := rows.Close(); err != nil {
		return 0, errorf("%s: reap: %w", s.path, err)
	}
	if err := rows.Err(); err != nil {
		return 0, errorf("%s: reap: %w", s.path, err)
	}
	now := s.now()
	n := 0
	for _, r := range running {
		reason := s.deadReason(r.host, r.pid, r.heartbeat, now)
		if reason == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'FAILED', error = ?, end_ms = heartbeat_ms
			WHERE id = ? AND status = 'RUNNING'`, reason, r.id); err != nil {
			return 0, errorf("%s: reap run %s: %w", s.path, r.id, err)
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if err := tx.Commit(); err != nil {
		return 0, errorf("%s: reap: %w", s.path, err)
	}
	return n, nil
}

// Reap marks dead runs FAILED now, as [Open] does, and returns how many it
// marked. Long-lived readers (a dashboard) can call it periodically.
func (s *Store) Reap(ctx context.Context) (int, error) {
	if err := s.writable(); err != nil {
		return 0, err
	}
	return s.reap(ctx)
}

// writable fails for a store opened with ReadOnly.
func (s *Store) writable() error {
	if s.readOnly {
		return errorf("%s was opened with ReadOnly: %w", s.path, ErrReadOnly)
	}
	return nil
}

// ms converts a time to the stored representation (Unix milliseconds).
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts a stored time back, in UTC.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// deadReason is the reaper's liveness rule: ReasonProcessGone for a run of
// this host whose process no longer exists, ReasonHeartbeatLost for a
// heartbeat older than the stale threshold, "" for a live run.
func (s *Store) deadReason(host string, pid int, heartbeatMS int64, now time.Time) string {
	switch {
	case host == s.host && pid > 0 && !processAlive(pid):
		return ReasonProcessGone
	case heartbeatMS < now.Add(-s.staleAfter).UnixMilli():
		return ReasonHeartbeatLost
	}
	return ""
}

// applyLiveness shows, in a read-only store, a RUNNING run that the reaper
// would mark dead as FAILED with the reaper's reason and end time, without
// writing anything. Writable stores reap on Open, so they need no view.
func (s *Store) applyLiveness(r *RunSummary) {
	if !s.readOnly || r.Status != Running {
		return
	}
	if reason := s.deadReason(r.Host, r.PID, r.Heartbeat.UnixMilli(), s.now()); reason != "" {
		r.Status, r.Error, r.End = Failed, reason, r.Heartbeat
	}
}
