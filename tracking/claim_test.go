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
