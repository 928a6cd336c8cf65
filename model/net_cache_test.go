package model

import (
	"math/rand/v2"
	"testing"

	"inceptionlab/model/arch"
	"inceptionlab/model/internal/ops"
)

// TestColumnCacheInNet checks, on a real training graph, that batched convolutions keep their columns
// (valid after a step, so the filter gradient read them), that inference-graph convolutions keep none,
// and that the caches stay within the budget. Likewise max pooling's argmaxes: recorded in the training
// graph, not in the inference graph. (The budget's bookkeeping: ops.TestColBudgetTake.)
func TestColumnCacheInNet(t *testing.T) {
	s := arch.DefaultSpec(5)
	s.ImageSize, s.Width = 32, 0.25
	n, err := New(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	x, y := randomBatch(rng, 4, s.InChannels, s.ImageSize, s.ImageSize, s.NumClasses)
	if _, err := n.TrainStep(x, y, 1e-3); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Forward(x, 4); err != nil {
		t.Fatal(err)
	}
	for _, train := range []bool{true, false} {
		gr, err := n.graph(4, train, 0)
		if err != nil {
			t.Fatal(err)
		}
		st := ops.Kept(gr.g.AllNodes())
		for _, name := range st.CacheNoBudget {
			t.Errorf("%s: a convolution without a budget has a column cache", name)
		}
		if want := map[bool]int{true: st.Pools, false: 0}[train]; st.Pools == 0 || st.Argmaxes != want {
			t.Errorf("train=%t: %d of %d max pools recorded their argmaxes, want %d", train, st.Argmaxes, st.Pools, want)
		}
		switch {
		case !train && st.Cached > 0:
			t.Errorf("the inference graph has %d column caches", st.Cached)
		case train && (st.Cached == 0 || st.Valid != st.Cached):
			t.Errorf("training graph: %d column caches, %d valid after a step", st.Cached, st.Valid)
		case st.Bytes > ops.ColCacheBudget:
			t.Errorf("column caches hold %d bytes, over the %d budget", st.Bytes, ops.ColCacheBudget)
		}
	}
}
