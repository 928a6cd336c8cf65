package tracking

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// Issue 15 case 3: at most one RUNNING run per experiment, trial and config hash; the claim is made by
// the transaction that creates the run, so two processes starting the same trial cannot both win.
func TestStartRunClaimsTrial(t *testing.T) {
	s := openMem(t, newClock())
	first := mustStart(t, s, info("e", "t"))
	_, err := s.StartRun(ctx, info("e", "t"))
	if !errors.Is(err, ErrClaimed) || !strings.Contains(err.Error(), first.ID) {
		t.Fatalf("second StartRun of a RUNNING trial: %v; want ErrClaimed naming run %s", err, first.ID)
	}
	mustStart(t, s, info("e", "other")) // other trials are unaffected
	first.Finish(ctx, Killed, "interrupt signal received")
	mustStart(t, s, info("e", "t")) // the trial is free again once its run ended
}

// Several stores (processes) racing to start the same trial: exactly one wins.
func TestStartRunClaimRace(t *testing.T) {
	db := t.TempDir() + "/runs.db"
	const n = 6
	stores := make([]*Store, n)
	for i := range stores {
		s, err := Open(db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, claimed := 0, 0
	for _, s := range stores {
		wg.Add(1)
		go func(s *Store) {
			defer wg.Done()
			_, err := s.StartRun(ctx, info("e", "t"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, ErrClaimed):
				claimed++
			default:
				t.Error(err)
			}
		}(s)
	}
	wg.Wait()
	if won != 1 || claimed != n-1 {
		t.Fatalf("%d StartRuns won and %d were refused as claimed; want 1 and %d", won, claimed, n-1)
	}
}

// Migration 0003 on a database written before the claim existed: of several RUNNING rows of one trial,
// all but the newest are ended FAILED, so the unique index can be created.
func TestTrialClaimMigrationEndsDuplicates(t *testing.T) {
	s := openMem(t, newClock())
	var claim migration
	for _, m := range migrations {
		if strings.HasSuffix(m.name, "_trial_claim.sql") {
			claim = m
		}
	}
	if claim.sql == "" {
		t.Fatal("no trial-claim migration")
	}
	if _, err := s.db.Exec(`DROP INDEX runs_one_running`); err != nil {
		t.Fatal(err)
	}
	old := mustStart(t, s, info("e", "t"))
	newer := mustStart(t, s, info("e", "t")) // possible before the claim: the bug
	other := mustStart(t, s, info("e", "u"))
	if _, err := s.db.Exec(claim.sql); err != nil {
		t.Fatalf("migration on duplicate RUNNING rows: %v", err)
	}
	for _, c := range []struct {
		r    *Run
		want Status
	}{{old, Failed}, {newer, Running}, {other, Running}} {
		got, _ := s.Run(ctx, c.r.ID)
		if got.Status != c.want {
			t.Errorf("run %s: %s, want %s", c.r.ID, got.Status, c.want)
		}
	}
	if _, err := s.StartRun(ctx, info("e", "t")); !errors.Is(err, ErrClaimed) {
		t.Fatalf("after the migration: %v, want ErrClaimed", err)
	}
}

// A merge never gives one trial two RUNNING runs; it is refused with a clear error, nothing merged.
func TestMergeRefusesSecondRunningRun(t *testing.T) {
	shardPath := tempDB(t)
	sh, err := Open(shardPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := mustStart(t, sh, info("e", "t"))
	mustLog(t, r, epoch(1, 0.5))
	sh.Close()
	m := openMem(t, newClock())
	here := mustStart(t, m, info("e", "t"))
	_, err = m.Merge(ctx, shardPath)
	if !errors.Is(err, ErrClaimed) || !strings.Contains(err.Error(), here.ID) || !strings.Contains(err.Error(), r.ID) {
		t.Fatalf("Merge: %v; want ErrClaimed naming both runs", err)
	}
	if runs, _ := m.Runs(ctx, Filter{}); len(runs) != 1 {
		t.Fatalf("%d runs after a refused merge, want 1", len(runs))
	}
}
