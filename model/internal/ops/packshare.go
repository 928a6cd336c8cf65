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
//
// Runs that only read the weights (inference: evaluating a split, predicting) start with BeginFrozen
// instead, naming the version of the weights they read: their panels are kept after the run, and the
// next frozen run with the same version uses them without packing again (a 10,000-image evaluation is
// ~80 batches with the same filters). Kept panels are returned to the pool by the first Begin, or by
// a BeginFrozen with another version; the caller must give the weights a new version whenever it
// changes them.
type PackShare struct {
	mu      sync.Mutex
	gen     uint64
	users   int
	entries map[packKey]*packEntry

	frozen      bool                    // the current generation reads weights of keptVersion
	keptVersion uint64                  // the weights the kept panels were packed from
	kept        map[packKey]*keptPacked // panels of frozen generations of keptVersion
}

// keptPacked is one convolution's panels kept across frozen generations.
type keptPacked struct {
	mu sync.Mutex
	pa interface{ Release() } // *kern.PackedA[T], nil until first packed
}

// frozenUse is the entry sharedPackA returns for kept panels: release leaves them alone.
var frozenUse = &packEntry{}

// NewPackShare returns a PackShare with no generation started.
func NewPackShare() *PackShare {
	return &PackShare{entries: map[packKey]*packEntry{}, kept: map[packKey]*keptPacked{}}
}

// Begin starts a generation in which users graphs run at once; each convolution packs its filters once
// for all of them. Panels kept by frozen generations are released. On a nil PackShare it does nothing.
func (s *PackShare) Begin(users int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.gen++
	s.users = max(users, 1)
	s.frozen = false
	s.dropKeptLocked()
	s.mu.Unlock()
}

// BeginFrozen starts a generation in which users graphs run at once and only read weights of the given
// version: each convolution's panels are packed once and kept for later frozen generations of the same
// version. A new version releases the panels kept for the old one. On a nil PackShare it does nothing.
func (s *PackShare) BeginFrozen(users int, version uint64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.gen++
	s.users = max(users, 1)
	if version != s.keptVersion {
		s.dropKeptLocked()
		s.keptVersion = version
	}
	s.frozen = true
	s.mu.Unlock()
}

// Kept is the number of convolutions whose panels are kept for frozen generations (for tests).
func (s *PackShare) Kept() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.kept)
}

// dropKeptLocked releases every kept panel; no graph may be running (s.mu held).
func (s *PackShare) dropKeptLocked() {
	for key, kp := range s.kept {
		if kp.pa != nil {
			kp.pa.Release()
		}
		delete(s.kept, key)
	}
}

// packKey identifies one packing: the filter tensor (by its storage), the transpose, and whether the
// packed matrix is the filters flipped for the input gradient (see flippedFilters).
type packKey struct {
	w       unsafe.Pointer
	tA      bool
	flipped bool
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
	return sharedPack(s, tA, m, k, a, lda, nil, nil)
}

// sharedPackFlipped is sharedPackA for the filters w of the convolution g flipped for its input
// gradient (flippedFilters), a C x O*K*K matrix built in buf (which must stay unchanged while the
// panels are in use: the packing keeps a reference to its source) when this caller is the one to pack.
func sharedPackFlipped[T opFloat](s *PackShare, g *convGeom, w, buf []T) (*kern.PackedA[T], *packEntry) {
	return sharedPack(s, false, g.c, g.o*g.k*g.k, w, g.o*g.k*g.k, g, buf)
}

// sharedPack is sharedPackA, of a's filters flipped for the convolution flip (into buf) when flip is
// not nil.
func sharedPack[T opFloat](s *PackShare, tA bool, m, k int, a []T, lda int, flip *convGeom, buf []T) (*kern.PackedA[T], *packEntry) {
	if s == nil || len(a) == 0 {
		return packOrFlip(tA, m, k, a, lda, flip, buf), nil
	}
	key := packKey{unsafe.Pointer(&a[0]), tA, flip != nil}
	s.mu.Lock()
	if s.frozen {
		kp := s.kept[key]
		if kp == nil {
			kp = &keptPacked{}
			s.kept[key] = kp
		}
		s.mu.Unlock()
		kp.mu.Lock()
		defer kp.mu.Unlock()
		if kp.pa == nil {
			kp.pa = packOrFlip(tA, m, k, a, lda, flip, buf)
		}
		return kp.pa.(*kern.PackedA[T]), frozenUse
	}
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
		return packOrFlip(tA, m, k, a, lda, flip, buf), nil
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
		e.pa = packOrFlip(tA, m, k, a, lda, flip, buf)
	}
	e.uses++
	e.active++
	return e.pa.(*kern.PackedA[T]), e
}

// packOrFlip is packA(tA, m, k, 1, a, lda), or, when flip is not nil, the packing of a's filters
// flipped for flip, built in buf.
func packOrFlip[T opFloat](tA bool, m, k int, a []T, lda int, flip *convGeom, buf []T) *kern.PackedA[T] {
	if flip == nil {
		return packA(tA, m, k, 1, a, lda)
	}
	flippedFilters(*flip, a, buf[:m*k])
	return packA(false, m, k, 1, buf[:m*k], k)
}

// release ends one caller's use of panels from sharedPackA: the last of the generation's users to be
// done returns them to the scratch pool. Kept panels (frozenUse) stay.
func (s *PackShare) release(pa interface{ Release() }, e *packEntry) {
	if e == frozenUse {
		return
	}
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
