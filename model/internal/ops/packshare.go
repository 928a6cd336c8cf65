package ops

import (
	"sync"
	"unsafe"

	kern "inceptionlab/model/internal/gemm"
)

// PackShare lets graphs that run at the same time with the same parameter tensors (the two halves of
// a batch, see model.Net) pack each convolution's filters once between them. A convolution multiplies
// its filters (forward) or their transpose (input gradient) by every sample's columns, and packs them
// into the GEMM's panel layout first: at 224x16 that packing was ~5% of a training step, done once per
// half. With a PackShare, the first graph to reach a convolution packs, the others reuse the panels,
// and the last one done returns them to the scratch pool, so no more of them are alive at once than
// before.
//
// Begin must be called before every run of the graphs: it starts a new generation, and panels packed
// in an earlier one are never used again (the weights change between runs). Within a run the weights
// must not change, which holds for graphs whose parameters only an optimizer updates after the run.
type PackShare struct {
	mu      sync.Mutex
	gen     uint64
	users   int
	entries map[packKey]*packEntry
}

// NewPackShare returns a PackShare with no generation started.
func NewPackShare() *PackShare { return &PackShare{entries: map[packKey]*packEntry{}} }

// Begin starts a generation in which users graphs run at once; each convolution packs its filters once
// for all of them. On a nil PackShare it does nothing.
func (s *PackShare) Begin(users int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.gen++
	s.users = max(users, 1)
	s.mu.Unlock()
}

// packKey identifies one packing: the filter tensor (by its storage) and the transpose.
type packKey struct {
	w  unsafe.Pointer
	tA bool
}

// packEntry is one packing's panels in the current generation.
type packEntry struct {
	mu     sync.Mutex
	gen    uint64
	users  int // graphs running in that generation
	uses   int // of those, the ones that took the panels
	active int // of those, the ones not done with them yet
	pa     any // *kern.PackedA[T], nil when released
}

// sharedPackA returns alpha=1 op(A) packed (see packA), from s when s is not nil and more than one graph
// runs, and the entry to pass to s.release when the caller's products are finished (nil: pa is the
// caller's alone).
func sharedPackA[T opFloat](s *PackShare, tA bool, m, k int, a []T, lda int) (*kern.PackedA[T], *packEntry) {
	if s == nil || len(a) == 0 {
		return packA(tA, m, k, 1, a, lda), nil
	}
	key := packKey{unsafe.Pointer(&a[0]), tA}
	s.mu.Lock()
	gen, users := s.gen, s.users
	var e *packEntry
	if users > 1 {
		if e = s.entries[key]; e == nil {
			e = &packEntry{}
			s.entries[key] = e
		}
	}
	s.mu.Unlock()
	if e == nil {
		return packA(tA, m, k, 1, a, lda), nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gen != gen { // a new run: whatever is left from an earlier one (a failed run) is stale
		if e.pa != nil {
			e.pa.(*kern.PackedA[T]).Release()
			e.pa = nil
		}
		e.gen, e.users, e.uses, e.active = gen, users, 0, 0
	}
	if e.pa == nil {
		e.pa = packA(tA, m, k, 1, a, lda)
	}
	e.uses++
	e.active++
	return e.pa.(*kern.PackedA[T]), e
}

// release ends one caller's use of panels from sharedPackA: the last of the generation's users to be
// done returns them to the scratch pool.
func (s *PackShare) release(pa interface{ Release() }, e *packEntry) {
	if e == nil {
		pa.Release()
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.active--
	if e.active == 0 && e.uses >= e.users && e.pa != nil {
		pa.Release()
		e.pa = nil
	}
}
