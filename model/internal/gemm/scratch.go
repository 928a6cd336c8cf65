package gemm

import (
	"math/bits"
	"sync"
)

// scratchPool hands out reusable buffers in power-of-two size classes. Buffers come back with arbitrary
// contents: kernels must overwrite (or clear) what they read. Unlike a sync.Pool, the free lists survive
// garbage collections: a buffer is faulted in once and reused by every later step (the pool holds at
// most as many buffers per class as were ever in use at once).
type scratchPool[T opFloat] struct {
	mu      sync.Mutex
	classes [64][]*[]T
}

var (
	scratch32 scratchPool[float32]
	scratch64 scratchPool[float64]
)

func (p *scratchPool[T]) get(n int) *[]T {
	c := 0
	if n > 1 {
		c = bits.Len(uint(n - 1)) // smallest c with 1<<c >= n
	}
	p.mu.Lock()
	if free := p.classes[c]; len(free) > 0 {
		v := free[len(free)-1]
		p.classes[c] = free[:len(free)-1]
		p.mu.Unlock()
		*v = (*v)[:n]
		return v
	}
	p.mu.Unlock()
	s := make([]T, n, 1<<c)
	return &s
}

func (p *scratchPool[T]) put(s *[]T) {
	c := cap(*s)
	if c == 0 || c&(c-1) != 0 {
		return // not from get
	}
	i := bits.Len(uint(c - 1))
	p.mu.Lock()
	p.classes[i] = append(p.classes[i], s)
	p.mu.Unlock()
}

// getScratch returns a buffer of length n (arbitrary contents); release it with putScratch.
func getScratch[T opFloat](n int) *[]T {
	var zero T
	switch any(zero).(type) {
	case float32:
		return any(scratch32.get(n)).(*[]T)
	default:
		return any(scratch64.get(n)).(*[]T)
	}
}

func putScratch[T opFloat](s *[]T) {
	switch v := any(s).(type) {
	case *[]float32:
		scratch32.put(v)
	case *[]float64:
		scratch64.put(v)
	}
}
