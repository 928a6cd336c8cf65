package par

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestDoCallsEveryPartOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 8, 65} {
		counts := make([]atomic.Int32, max(n, 1))
		Do(n, func(i int) { counts[i].Add(1) })
		for i := 0; i < n; i++ {
			if c := counts[i].Load(); c != 1 {
				t.Errorf("n=%d: part %d ran %d times, want 1", n, i, c)
			}
		}
		if n == 0 && counts[0].Load() != 0 {
			t.Errorf("n=0: fn was called")
		}
	}
}

// Do must return only after every part has finished: the parts' writes are visible to the caller.
func TestDoWaitsForEveryPart(t *testing.T) {
	for round := 0; round < 200; round++ {
		out := make([]int, 7)
		Do(len(out), func(i int) { out[i] = i + round })
		for i, v := range out {
			if v != i+round {
				t.Fatalf("round %d: part %d not finished when Do returned (got %d)", round, i, v)
			}
		}
	}
}

// Sections run inside sections (a GEMM inside a per-sample loop) and side by side (the two halves of a
// batch): neither may deadlock, whatever the number of idle workers.
func TestDoNestedAndConcurrent(t *testing.T) {
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 50; r++ {
				Do(3, func(int) {
					Do(4, func(int) {
						Do(2, func(int) { total.Add(1) })
					})
				})
			}
		}()
	}
	wg.Wait()
	if got, want := total.Load(), int64(4*50*3*4*2); got != want {
		t.Fatalf("%d innermost calls, want %d", got, want)
	}
}

var sink [4]int

func fill(i int) { sink[i] = i }

// Once its workers exist, a section allocates nothing (fn here captures nothing, so it is no allocation
// either). Before this package, each section started goroutines with closures and a WaitGroup.
func TestDoAllocatesNothing(t *testing.T) {
	Do(len(sink), fill) // start the workers
	if a := testing.AllocsPerRun(100, func() { Do(len(sink), fill) }); a != 0 {
		t.Fatalf("Do allocated %v times per call, want 0", a)
	}
}
