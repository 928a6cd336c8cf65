package optim

import (
	"runtime"
	"sync/atomic"

	"inceptionlab/model/internal/par"
)

// Chunk is a half-open element range [Lo, Hi) of tensor I.
type Chunk struct{ I, Lo, Hi int }

// chunkSize is the number of elements one goroutine updates at a time (128 KiB of float32).
const chunkSize = 1 << 15

// Chunks splits tensors of the given sizes into ranges of at most 32768 elements, in order.
func Chunks(sizes []int) []Chunk {
	var cs []Chunk
	for i, n := range sizes {
		for lo := 0; lo < n; lo += chunkSize {
			cs = append(cs, Chunk{i, lo, min(lo+chunkSize, n)})
		}
	}
	return cs
}

// Parallel calls fn for every chunk, on up to GOMAXPROCS goroutines. fn must only touch its own range,
// so the result does not depend on the schedule.
func Parallel(chunks []Chunk, fn func(Chunk)) {
	var next atomic.Int64
	par.Do(min(runtime.GOMAXPROCS(0), len(chunks)), func(int) {
		for {
			k := int(next.Add(1)) - 1
			if k >= len(chunks) {
				return
			}
			fn(chunks[k])
		}
	})
}
