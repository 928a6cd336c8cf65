package tracking

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

// clock is a deterministic clock that advances one second per reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// seqIDs returns a NewID generating stable, UUID-shaped ids.
func seqIDs() func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n)
	}
}

func openMem(t *testing.T, c *clock) *Store {
	t.Helper()
	s, err := Open(":memory:", Options{Now: c.Now, NewID: seqIDs()})
	if err != nil {
		t.Fatalf("Open(:memory:): %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tempDB(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "runs.db")
}

func info(exp, trial string) RunInfo {
	return RunInfo{
		Experiment: exp, Trial: trial, ConfigText: "train:\n  lr: 0.1\n", ConfigHash: "hash-" + trial,
		Seed: 7, Params: map[string]string{"train.lr": "0.1", "model.name": "googlenet", "trial": trial},
		GitCommit: "abc123", GitDirty: true, GoVersion: "go1.26", Threads: 2,
	}
}

func mustStart(t *testing.T, s *Store, ri RunInfo) *Run {
	t.Helper()
	r, err := s.StartRun(ctx, ri)
	if err != nil {
		t.Fatalf("StartRun(%s/%s): %v", ri.Experiment, ri.Trial, err)
	}
	return r
}

func epoch(n int, valTop1 float64) Epoch {
	return Epoch{Epoch: n, TrainLoss: 2.5 - 0.1*float64(n), TrainTop1: 0.3, ValLoss: 2.0, ValTop1: valTop1,
		ValTop5: math.Min(1, valTop1+0.2), LR: 0.01, Seconds: 60, ImagesPerSec: 120.5, MainLoss: 2.0, AuxLoss: 0.5}
}

func mustLog(t *testing.T, r *Run, es ...Epoch) {
	t.Helper()
	for _, e := range es {
		if err := r.LogEpoch(ctx, e); err != nil {
			t.Fatalf("LogEpoch(%d): %v", e.Epoch, err)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
