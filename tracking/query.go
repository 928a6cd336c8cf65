package tracking

import (
	"maps"
	"slices"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// RunSummary is one run as stored, with its best epoch, params and tags.
type RunSummary struct {
	ID, Experiment, Trial string
	Status                Status
	ConfigHash            string
	ConfigText            string
	// Error is the failure text of a FAILED or KILLED run ("heartbeat lost"
	// and "process gone" for reaped runs).
	Error string
	Seed  int64
	// End is zero while the run is RUNNING.
	Start, End, Heartbeat time.Time
	// Epochs is the number of epochs logged. BestEpoch is the epoch with the
	// highest validation top-1, or -1 (with NaN metrics) if none had one.
	Epochs                   int
	BestEpoch                int
	BestValTop1, BestValTop5 float64
	// Test metrics are nil until [Run.SetTestMetrics].
	TestLoss, TestTop1, TestTop5 *float64
	Params                       map[string]string
	Tags                         map[string]string
	GitCommit                    string
	GitDirty                     bool
	GoVersion, Host              string
	PID, Threads                 int
	ResumedFrom                  string
}

// Duration is End-Start for an ended run and Heartbeat-Start (the last sign
// of life) for a RUNNING one.
func (r RunSummary) Duration() time.Duration {
	if r.End.IsZero() {
		return r.Heartbeat.Sub(r.Start)
	}
	return r.End.Sub(r.Start)
}

// Filter selects runs. Empty fields match everything; Where requires every
// listed parameter to have exactly the given value.
type Filter struct {
	Experiment string
	Status     Status
	Where      map[string]string
}

const summaryColumns = `id, experiment, trial, status, config_hash, config_text, error, seed, start_ms, end_ms,
	heartbeat_ms, epochs, best_epoch, best_val_top1, best_val_top5, test_loss, test_top1, test_top5,
	git_commit, git_dirty, go_version, host, pid, threads, resumed_from`

// Runs lists the runs matching f, oldest first. A Where key that no run has
// fails with [ErrUnknownParam] naming the keys that exist, so a typo is not
// silently an empty result.
func (s *Store) Runs(ctx context.Context, f Filter) ([]RunSummary, error) {
	want := f.Status
	if s.readOnly {
		// A read-only store cannot reap, so it shows dead runs as the reaper would mark them; the
		// status filter applies to that view.
		f.Status = ""
	}
	where, args, err := s.filterSQL(ctx, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryColumns+` FROM runs r WHERE `+where+
		` ORDER BY start_ms, id`, args...)
	if err != nil {
		return nil, s.wrap("list runs", err)
	}
	var out []RunSummary
	for rows.Next() {
		r, err := scanSummary(rows)
		if err != nil {
			rows.Close()
			return nil, s.wrap("list runs", err)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list runs", err)
	}
	if s.readOnly {
		if want != "" {
			if want, err = ParseStatus(string(want)); err != nil {
				return nil, err
			}
		}
		kept := out[:0]
		for _, r := range out {
			s.applyLiveness(&r)
			if want == "" || r.Status == want {
				kept = append(kept, r)
			}
		}
		out = kept
	}
	// Params and tags are read after the runs cursor is closed: the store
	// has a single connection.
	for i := range out {
		if err := s.fillMaps(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// filterSQL turns a Filter into a WHERE clause over runs r.
func (s *Store) filterSQL(ctx context.Context, f Filter) (string, []any, error) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Experiment != "" {
		conds = append(conds, "r.experiment = ?")
		args = append(args, f.Experiment)
	}
	if f.Status != "" {
		st, err := ParseStatus(string(f.Status))
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "r.status = ?")
		args = append(args, string(st))
	}
	for _, k := range slices.Sorted(maps.Keys(f.Where)) {
		if err := s.knownParam(ctx, k); err != nil {
			return "", nil, err
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.value = ?)")
		args = append(args, k, f.Where[k])
	}
	return strings.Join(conds, " AND "), args, nil
}

// knownParam fails with ErrUnknownParam if no run has parameter key.
func (s *Store) knownParam(ctx context.Context, key string) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM params WHERE key = ? LIMIT 1)`, key).Scan(&n); err != nil {
		return s.wrap("filter", err)
	}
	if n > 0 {
		return nil
	}
	keys, err := s.paramKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return errorf("filter %q: %w: no run has any params", key, ErrUnknownParam)
	}
	const show = 30
	list := strings.Join(keys[:min(len(keys), show)], ", ")
	if len(keys) > show {
		list += fmt.Sprintf(", ... (%d more)", len(keys)-show)
	}
	return errorf("filter %q: %w; known keys: %s", key, ErrUnknownParam, list)
}

// paramKeys lists the distinct parameter keys of all runs, sorted.
func (s *Store) paramKeys(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT key FROM params ORDER BY key`)
	if err != nil {
		return nil, s.wrap("param keys", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, s.wrap("param keys", err)
		}
		keys = append(keys, k)
	}
	return keys, s.wrap("param keys", rows.Err())
}

func scanSummary(sc interface{ Scan(...any) error }) (RunSummary, error) {
	var r RunSummary
	var status string
	var start, hb int64
	var end, bestEpoch sql.NullInt64
	var best1, best5, tl, t1, t5 sql.NullFloat64
	var resumed sql.NullString
	err := sc.Scan(&r.ID, &r.Experiment, &r.Trial, &status, &r.ConfigHash, &r.ConfigText, &r.Error, &r.Seed,
		&start, &end, &hb, &r.Epochs, &bestEpoch, &best1, &best5, &tl, &t1, &t5,
		&r.GitCommit, &r.GitDirty, &r.GoVersion, &r.Host, &r.PID, &r.Threads, &resumed)
	if err != nil {
		return r, err
	}
	r.Status = Status(status)
	r.Start, r.Heartbeat = fromMS(start), fromMS(hb)
	if end.Valid {
		r.End = fromMS(end.Int64)
	}
	r.BestEpoch, r.BestValTop1, r.BestValTop5 = -1, math.NaN(), math.NaN()
	if bestEpoch.Valid {
		r.BestEpoch = int(bestEpoch.Int64)
		r.BestValTop1 = best1.Float64
		r.BestValTop5 = math.NaN()
		if best5.Valid {
			r.BestValTop5 = best5.Float64
		}
	}
	r.TestLoss, r.TestTop1, r.TestTop5 = optional(tl), optional(t1), optional(t5)
	r.ResumedFrom = resumed.String
	return r, nil
}

// fillMaps loads params and tags of one run.
func (s *Store) fillMaps(ctx context.Context, r *RunSummary) error {
	var err error
	if r.Params, err = s.keyValues(ctx, "params", r.ID); err != nil {
		return err
	}
	r.Tags, err = s.keyValues(ctx, "tags", r.ID)
	return err
}

// keyValues reads a (run_id, key, value) table; table is a fixed name.
func (s *Store) keyValues(ctx context.Context, table, id string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM `+table+` WHERE run_id = ?`, id)
	if err != nil {
		return nil, s.wrap(table+" of run "+id, err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, s.wrap(table+" of run "+id, err)
		}
		m[k] = v
	}
	return m, s.wrap(table+" of run "+id, rows.Err())
}

// Run returns one run by id or unambiguous id prefix ([ErrNotFound],
// [ErrAmbiguous]).
func (s *Store) Run(ctx context.Context, idOrPrefix string) (RunSummary, error) {
	id, err := s.resolve(ctx, idOrPrefix)
	if err != nil {
		return RunSummary{}, err
	}
	return s.summary(ctx, `id = ?`, id)
}

// summary reads the single run selected by cond.
func (s *Store) summary(ctx context.Context, cond string, args ...any) (RunSummary, error) {
	r, err := scanSummary(s.db.QueryRowContext(ctx, `SELECT `+summaryColumns+` FROM runs WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errorf("run %v: %w", args, ErrNotFound)
	}
	if err != nil {
		return r, s.wrap("read run", err)
	}
	s.applyLiveness(&r)
	return r, s.fillMaps(ctx, &r)
}

// resolve maps an id or id prefix to the one full run id it names.
func (s *Store) resolve(ctx context.Context, idOrPrefix string) (string, error) {
	p := strings.TrimSpace(idOrPrefix)
	if p == "" {
		return "", invalid("run id", idOrPrefix, "a run id or a prefix of one")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY id = ? DESC, id LIMIT 6`,
		len(p), p, p)
	if err != nil {
		return "", s.wrap("find run "+p, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", s.wrap("find run "+p, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", s.wrap("find run "+p, err)
	}
	switch {
	case len(ids) == 0:
		return "", errorf("run %q: %w", p, ErrNotFound)
	case ids[0] == p || len(ids) == 1:
		return ids[0], nil
	}
	more := ""
	if len(ids) > 5 {
		ids, more = ids[:5], ", ..."
	}
	return "", errorf("id prefix %q matches %s%s; give more characters: %w", p, strings.Join(ids, ", "), more, ErrAmbiguous)
}

// Experiments lists the names of all experiments with recorded runs, sorted.
func (s *Store) Experiments(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM experiments ORDER BY name`)
	if err != nil {
		return nil, s.wrap("experiments", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, s.wrap("experiments", err)
		}
		names = append(names, n)
	}
	return names, s.wrap("experiments", rows.Err())
}

// FinishedRun returns the newest FINISHED run of an experiment with this
// config hash, or nil if there is none: the runner skips such trials.
func (s *Store) FinishedRun(ctx context.Context, experiment, configHash string) (*RunSummary, error) {
	return s.newest(ctx, `experiment = ? AND config_hash = ? AND status = 'FINISHED'`, experiment, configHash)
}

// LatestRun returns the newest run of an experiment with this config hash
// that did not finish, or nil. Its Status tells the runner what to do:
// FAILED or KILLED can be resumed from their checkpoint; RUNNING (never
// reaped, so a live process elsewhere) is owned by someone else.
func (s *Store) LatestRun(ctx context.Context, experiment, configHash string) (*RunSummary, error) {
	return s.newest(ctx, `experiment = ? AND config_hash = ? AND status <> 'FINISHED'`, experiment, configHash)
}

func (s *Store) newest(ctx context.Context, cond string, args ...any) (*RunSummary, error) {
	r, err := s.summary(ctx, cond+` ORDER BY start_ms DESC, rowid DESC LIMIT 1`, args...)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}
