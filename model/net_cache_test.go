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
	n, x := steppedNet(t, 4, 3)
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

// TestSplitPartsShareCacheBudget: the two halves of a split batch run at once, so their column caches
// share one graph's budget (half each) instead of doubling the memory a step may keep; after a step
// each half's caches stay within its half.
func TestSplitPartsShareCacheBudget(t *testing.T) {
	n, _ := steppedNet(t, 2*splitMin, 4)
	parts := n.train[splitMin]
	if len(parts) != 2 {
		t.Fatalf("a batch of %d built %d graphs of %d, want 2", 2*splitMin, len(parts), splitMin)
	}
	var total int64
	for i, g := range parts {
		st := ops.Kept(g.g.AllNodes())
		if st.Cached == 0 || st.Bytes > g.cacheBytes {
			t.Errorf("part %d: %d column caches of %d bytes, budget %d", i, st.Cached, st.Bytes, g.cacheBytes)
		}
		total += g.cacheBytes
	}
	if total != ops.ColCacheBudget {
		t.Errorf("the parts' budgets add up to %d bytes, want one graph's %d", total, ops.ColCacheBudget)
	}
	whole, err := n.graph(4, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if whole.cacheBytes != ops.ColCacheBudget {
		t.Errorf("an unsplit batch's graph has a budget of %d bytes, want %d", whole.cacheBytes, ops.ColCacheBudget)
	}
}

// steppedNet is a width-0.25, 32x32 net after one training step on a random batch of batch images
// (drawn from seed), and that batch.
func steppedNet(t *testing.T, batch int, seed uint64) (*Net, []float32) {
	t.Helper()
	s := arch.DefaultSpec(5)
	s.ImageSize, s.Width = 32, 0.25
	n, err := New(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(rand.New(rand.NewPCG(seed, seed)), batch, s.InChannels, s.ImageSize, s.ImageSize, s.NumClasses)
	if _, err := n.TrainStep(x, y, 1e-3); err != nil {
		t.Fatal(err)
	}
	return n, x
}
