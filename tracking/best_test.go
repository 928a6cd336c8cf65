package tracking

import (
	"math"
	"path/filepath"
	"testing"
)

// TestBestEpochFollowsKeptWeights: with a moving average of the weights (train.ema), the runner keeps the
// epoch whose average validates best as best.safetensors and tests that checkpoint, so the run's best
// epoch and best validation metrics must be the average's too, both as epochs are logged and after a
// merge recomputes them. Here the raw weights peak at epoch 1 and the average at epoch 2; an epoch
// without an average (or with a NaN one) counts with its raw metrics.
func TestBestEpochFollowsKeptWeights(t *testing.T) {
	withEMA := func(n int, raw, avg float64) Epoch {
		e := epoch(n, raw)
		e.EMA = &EMAVal{Loss: 1, Top1: avg, Top5: 0.99}
		return e
	}
	nan := withEMA(3, 0.99, math.NaN()) // stored as NULL, so the raw 0.99 (top-5 1) counts
	cases := []struct {
		name      string
		epochs    []Epoch
		bestEpoch int
		top1      float64
		top5      float64
	}{
		{"average peaks later", []Epoch{withEMA(0, 0.80, 0.78), withEMA(1, 0.935, 0.930), withEMA(2, 0.934, 0.934)}, 2, 0.934, 0.99},
		{"no average", []Epoch{epoch(0, 0.5), epoch(1, 0.6), epoch(2, 0.55)}, 1, 0.6, 0.8},
		{"NaN average", []Epoch{withEMA(0, 0.5, 0.6), withEMA(1, 0.5, 0.7), nan}, 3, 0.99, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			shardPath := filepath.Join(dir, "shard.db")
			shard, err := Open(shardPath, Options{Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			defer shard.Close()
			r := mustStart(t, shard, info("e", "t"))
			mustLog(t, r, c.epochs...)
			main, err := Open(filepath.Join(dir, "main.db"), Options{Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			defer main.Close()
			if _, err := main.Merge(ctx, shardPath); err != nil {
				t.Fatal(err)
			}
			for name, s := range map[string]*Store{"logged": shard, "merged": main} {
				got, err := s.Run(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.BestEpoch != c.bestEpoch || got.BestValTop1 != c.top1 || got.BestValTop5 != c.top5 {
					t.Errorf("%s: best epoch %d, val top-1 %v, top-5 %v; want %d, %v, %v", name, got.BestEpoch, got.BestValTop1, got.BestValTop5, c.bestEpoch, c.top1, c.top5)
				}
			}
		})
	}
}
