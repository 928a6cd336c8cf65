package ops

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// product is op(W) (m x k, W stored row-major with leading dimension k when not transposed) times the
// k x n matrix b, through packed panels from s.
func sharedProduct(t *testing.T, s *PackShare, tA bool, m, k, n int, w, b []float32) []float32 {
	t.Helper()
	lda := k
	if tA {
		lda = m
	}
	pa, e := sharedPackA(s, tA, m, k, w, lda)
	defer s.release(pa, e)
	c := make([]float32, m*n)
	gemmPacked(pa, 1, false, n, b, n, 0, c, n)
	return c
}

func plainProduct(tA bool, m, k, n int, w, b []float32) []float32 {
	lda := k
	if tA {
		lda = m
	}
	c := make([]float32, m*n)
	gemm(tA, false, m, n, k, 1, w, lda, b, n, 0, c, n)
	return c
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// Within a run the parts share one packing; a new run (Begin) after the weights changed must never use
// the old panels, also when the previous run did not finish (a part failed and never released).
func TestPackShareSharesWithinARunAndRepacksAfter(t *testing.T) {
	const m, k, n = 37, 70, 29
	rng := rand.New(rand.NewPCG(3, 4))
	b := randSlice(rng, k*n)
	for _, tA := range []bool{false, true} {
		w := randSlice(rng, m*k)
		lda := k
		if tA {
			lda = m
		}
		s := NewPackShare()

		s.Begin(2)
		pa1, e1 := sharedPackA(s, tA, m, k, w, lda)
		pa2, e2 := sharedPackA(s, tA, m, k, w, lda)
		if e1 == nil || e1 != e2 || pa1 != pa2 {
			t.Fatalf("tA=%t: the two parts of a run got different packings (%p, %p)", tA, pa1, pa2)
		}
		s.release(pa1, e1)
		if e1.pa == nil {
			t.Fatalf("tA=%t: panels released while the second part still uses them", tA)
		}
		s.release(pa2, e2)
		if e1.pa != nil {
			t.Fatalf("tA=%t: panels kept after both parts were done", tA)
		}

		// Several runs; in each the weights have changed since the last. In the odd ones a part takes
		// the panels and fails before it releases them (they stay behind, stale for the next run).
		for run := 0; run < 4; run++ {
			for i := range w {
				w[i] += 0.25
			}
			s.Begin(2)
			got := sharedProduct(t, s, tA, m, k, n, w, b)
			if want := plainProduct(tA, m, k, n, w, b); !slices.Equal(got, want) {
				t.Fatalf("tA=%t run %d: product with shared panels differs from the plain GEMM (stale panels?)", tA, run)
			}
			if run%2 == 1 {
				sharedPackA(s, tA, m, k, w, lda) // never released
			}
		}

		// One part per run: nothing is shared or kept.
		s.Begin(1)
		if _, e := sharedPackA(s, tA, m, k, w, lda); e != nil {
			t.Fatalf("tA=%t: a one-part run shared its packing", tA)
		}
	}
}

// The parts run concurrently: many runs of two goroutines each, with the weights changing between runs,
// must each see their run's weights (run with -race to check the locking as well).
func TestPackShareConcurrentParts(t *testing.T) {
	const m, k, n = 20, 33, 17
	rng := rand.New(rand.NewPCG(5, 6))
	w, b := randSlice(rng, m*k), randSlice(rng, k*n)
	s := NewPackShare()
	for run := 0; run < 50; run++ {
		w[run%len(w)] += 1
		want := plainProduct(false, m, k, n, w, b)
		s.Begin(2)
		twoParts(t, s, run, m, k, n, w, b, want)
	}
}

// twoParts runs op(W)*b as two concurrent parts of one run of s (the caller has begun it) and checks
// both against want.
func twoParts(t *testing.T, s *PackShare, run, m, k, n int, w, b, want []float32) {
	t.Helper()
	var wg sync.WaitGroup
	got := make([][]float32, 2)
	for p := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[p] = sharedProduct(t, s, false, m, k, n, w, b)
		}()
	}
	wg.Wait()
	for p := range got {
		if !slices.Equal(got[p], want) {
			t.Fatalf("run %d part %d: product differs from the plain GEMM", run, p)
		}
	}
}

// Frozen runs (inference) keep their panels while the weights version stays: the next frozen run of the
// same version packs nothing, a new version or a training run (Begin) drops them, and a product always
// uses the panels of the weights it reads.
func TestPackShareFrozenKeepsPanelsPerVersion(t *testing.T) {
	const m, k, n = 21, 45, 13
	rng := rand.New(rand.NewPCG(8, 9))
	w, b := randSlice(rng, m*k), randSlice(rng, k*n)
	s := NewPackShare()

	s.BeginFrozen(2, 1)
	pa1, e1 := sharedPackA(s, false, m, k, w, k)
	s.release(pa1, e1)
	if s.Kept() != 1 {
		t.Fatalf("after a frozen run %d packings are kept, want 1", s.Kept())
	}
	for _, users := range []int{1, 2} { // the parts of a frozen run share the kept panels too
		s.BeginFrozen(users, 1)
		pa2, e2 := sharedPackA(s, false, m, k, w, k)
		if pa2 != pa1 {
			t.Fatalf("a frozen run of the same version (%d parts) packed again", users)
		}
		s.release(pa2, e2)
	}
	if got, want := sharedProduct(t, s, false, m, k, n, w, b), plainProduct(false, m, k, n, w, b); !slices.Equal(got, want) {
		t.Fatal("product with kept panels differs from the plain GEMM")
	}

	for i := range w {
		w[i] -= 0.5
	}
	s.BeginFrozen(2, 2) // the weights changed: new version
	if got, want := sharedProduct(t, s, false, m, k, n, w, b), plainProduct(false, m, k, n, w, b); !slices.Equal(got, want) {
		t.Fatal("a frozen run of a new version used the old version's panels")
	}
	if s.Kept() != 1 {
		t.Fatalf("after a new version %d packings are kept, want 1", s.Kept())
	}

	s.Begin(2) // a training run: kept panels go back to the pool, nothing is kept by it
	if s.Kept() != 0 {
		t.Fatalf("a training run left %d kept packings", s.Kept())
	}
	for i := range w {
		w[i] += 0.125
	}
	if got, want := sharedProduct(t, s, false, m, k, n, w, b), plainProduct(false, m, k, n, w, b); !slices.Equal(got, want) {
		t.Fatal("a training run's product differs from the plain GEMM")
	}
	if s.Kept() != 0 {
		t.Fatalf("a training run kept %d packings", s.Kept())
	}
}

// Two parts of frozen runs race to pack the same kept panels (run with -race).
func TestPackShareFrozenConcurrentParts(t *testing.T) {
	const m, k, n = 20, 33, 17
	rng := rand.New(rand.NewPCG(10, 11))
	w, b := randSlice(rng, m*k), randSlice(rng, k*n)
	s := NewPackShare()
	for run := 0; run < 40; run++ {
		if run%8 == 0 {
			w[run%len(w)] += 1
		}
		want := plainProduct(false, m, k, n, w, b)
		s.BeginFrozen(2, uint64(run/8))
		twoParts(t, s, run, m, k, n, w, b, want)
	}
}
