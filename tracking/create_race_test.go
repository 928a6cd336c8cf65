package tracking

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestOpenCreateRace opens one new store from several connections at once,
// many times over. Switching a brand-new file to WAL while another connection
// is creating it can return "database is locked" at once, without waiting for
// the busy timeout: TestConcurrentWriterProcesses failed about one run in 50
// that way, in Open, before Open retried the switch.
func TestOpenCreateRace(t *testing.T) {
	const openers = 4
	rounds := 300
	if testing.Short() {
		rounds = 100
	}
	dir := t.TempDir()
	failed := 0
	for r := 0; r < rounds; r++ {
		path := filepath.Join(dir, fmt.Sprintf("race%d.db", r))
		var wg sync.WaitGroup
		errs := make([]error, openers)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				s, err := Open(path, Options{})
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			}(i)
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				failed++
				if failed <= 3 {
					t.Errorf("round %d: %v", r, err)
				}
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d concurrent opens of a new store failed", failed, rounds*openers)
	}
}
