package tracking

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func shardWith(t *testing.T, path, exp string, trials ...string) []*Run {
	s, err := Open(path, Options{Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var runs []*Run
	for i, tr := range trials {
		r := mustStart(t, s, info(exp, tr))
		mustLog(t, r, epoch(0, 0.2), epoch(1, 0.3+0.1*float64(i)))
		s.Tag(ctx, r.ID, "shard", filepath.Base(path))
		r.Finish(ctx, Finished, "")
		runs = append(runs, r)
	}
	return runs
}

func counts(t *testing.T, s *Store) [4]int {
	var c [4]int
	for i, table := range []string{"runs", "epochs", "params", "tags"} {
		if err := s.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&c[i]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	runsA := shardWith(t, a, "sweep", "t0", "t1")
	runsB := shardWith(t, b, "sweep", "t2")
	main, err := Open(filepath.Join(dir, "main.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	mustStart(t, main, info("local", "x"))

	st, err := main.Merge(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if st != (MergeStats{RunsAdded: 2, EpochsAdded: 4, TagsAdded: 2}) {
		t.Fatalf("first merge stats = %+v", st)
	}
	if _, err := main.Merge(ctx, b); err != nil {
		t.Fatal(err)
	}
	before := counts(t, main)
	if before != [4]int{4, 6, 12, 3} {
		t.Fatalf("counts (runs, epochs, params, tags) = %v", before)
	}
	for _, p := range []string{a, b} {
		st, err := main.Merge(ctx, p)
		if err != nil || st != (MergeStats{}) {
			t.Fatalf("re-merge %s: %+v, %v; want nothing added", p, st, err)
		}
	}
	if got := counts(t, main); got != before {
		t.Fatalf("re-merge changed counts %v -> %v", before, got)
	}
	for _, r := range append(runsA, runsB...) {
		got, err := main.Run(ctx, r.ID)
		if err != nil {
			t.Fatalf("run %s lost its id in the merge: %v", r.ID, err)
		}
		if got.Status != Finished || got.Epochs != 2 || got.BestEpoch != 1 || got.Tags["shard"] == "" {
			t.Fatalf("merged run = %+v", got)
		}
	}
}

func TestMergeUpdatesRunSeenRunning(t *testing.T) {
	dir := t.TempDir()
	shardPath := filepath.Join(dir, "shard.db")
	c := newClock()
	shard, err := Open(shardPath, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer shard.Close()
	ri := info("e", "t")
	ri.Host = "elsewhere"
	r := mustStart(t, shard, ri)
	mustLog(t, r, epoch(0, 0.5), epoch(1, 0.4))

	main, err := Open(filepath.Join(dir, "main.db"), Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	if _, err := main.Merge(ctx, shardPath); err != nil {
		t.Fatal(err)
	}
	mustLog(t, r, epoch(2, 0.7))
	r.Finish(ctx, Finished, "")
	st, err := main.Merge(ctx, shardPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.RunsUpdated != 1 || st.EpochsAdded != 1 {
		t.Fatalf("stats = %+v", st)
	}
	got, _ := main.Run(ctx, r.ID)
	if got.Status != Finished || got.Epochs != 3 || got.BestEpoch != 2 || got.BestValTop1 != 0.7 {
		t.Fatalf("merged run = %+v", got)
	}
}

func TestMergeRejectsBadShards(t *testing.T) {
	dir := t.TempDir()
	mainPath := filepath.Join(dir, "main.db")
	good := filepath.Join(dir, "good.db")
	shardWith(t, good, "e", "t")

	text := filepath.Join(dir, "text.db")
	os.WriteFile(text, []byte("just text"), 0o644)
	newer := filepath.Join(dir, "newer.db")
	shardWith(t, newer, "e", "n")
	rawExec(t, newer, `INSERT INTO schema_migrations (version, name, applied_ms) VALUES (42, '0042_x.sql', 0)`)
	broken := filepath.Join(dir, "broken.db")
	shardWith(t, broken, "e", "b1", "b2")
	// An epoch of a run that does not exist: the merge fails at commit,
	// after the shard's runs were inserted, and must roll them back.
	rawExec(t, broken, `PRAGMA foreign_keys = OFF; INSERT INTO epochs (run_id, epoch, logged_ms) VALUES ('ghost', 0, 0)`)

	main, err := Open(mainPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	if _, err := main.Merge(ctx, good); err != nil {
		t.Fatal(err)
	}
	before := counts(t, main)
	for _, tt := range []struct {
		name, path string
		want       error
	}{
		{"not sqlite", text, ErrNotSQLite},
		{"newer schema", newer, ErrSchemaTooNew},
		{"missing", filepath.Join(dir, "missing.db"), ErrNotExist},
		{"itself", mainPath, ErrInvalid},
		{"dangling rows", broken, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := main.Merge(ctx, tt.path)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := counts(t, main); got != before {
				t.Fatalf("failed merge changed main: %v -> %v", before, got)
			}
		})
	}
}
