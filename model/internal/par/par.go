// Package par runs the parts of a parallel kernel on long-lived goroutines.
//
// A training step runs a few thousand parallel sections (a GEMM, an im2col, an optimizer sweep), each a
// few microseconds to a few milliseconds long. Starting goroutines for each one cost their closures,
// a WaitGroup and the goroutines themselves: about half of a step's 26,000 heap allocations at 32x128.
// Do hands the parts to workers that stay alive between sections instead, so a section allocates
// nothing of its own (the caller's fn, when it is a closure that captures variables, is still one
// allocation).
//
// Which goroutine runs a part never changes what the part computes: callers give each part a fixed
// range, so results do not depend on the schedule.
package par

import "sync"

// job is one part of a section: fn(i), then done.Done().
type job struct {
	fn   func(int)
	i    int
	done *sync.WaitGroup
}

// idle hands a job to a worker that is waiting for one. It is unbuffered: a send succeeds only when a
// worker is ready, so a job never waits in a queue behind a busy worker (which, with nested or
// concurrent sections, could wait for ever).
var idle = make(chan job)

// worker runs first, then every job it is handed, for the life of the process.
func worker(first job) {
	for j := first; ; j = <-idle {
		j.fn(j.i)
		j.done.Done()
	}
}

var groups = sync.Pool{New: func() any { return new(sync.WaitGroup) }}

// Do calls fn(i) for every i in [0, n) and returns when all calls have returned: fn(0) in the calling
// goroutine, the others on idle workers, or on new ones when none is idle (the pool grows to the most
// parts ever in flight at once, and its goroutines then wait for work, costing a few KB each).
func Do(n int, fn func(i int)) {
	if n <= 1 {
		if n == 1 {
			fn(0)
		}
		return
	}
	wg := groups.Get().(*sync.WaitGroup)
	wg.Add(n - 1)
	for i := 1; i < n; i++ {
		j := job{fn: fn, i: i, done: wg}
		select {
		case idle <- j:
		default:
			go worker(j)
		}
	}
	fn(0)
	wg.Wait()
	groups.Put(wg)
}
