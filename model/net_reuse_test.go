package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"inceptionlab/model/internal/ops"
	"inceptionlab/model/safetensors"
)

// poisonSlots fills every owned output with NaN, as if a previous run had left garbage behind.
func poisonSlots(t *testing.T, slots []*ops.OutSlot) {
	t.Helper()
	n := 0
	for _, s := range slots {
		if s.Output() == nil {
			continue
		}
		n++
		switch d := s.Output().Data().(type) {
		case []float32:
			for i := range d {
				d[i] = float32(math.NaN())
			}
		case []float64:
			for i := range d {
				d[i] = math.NaN()
			}
		}
	}
	if n == 0 {
		t.Fatal("no owned outputs were allocated: output reuse is not wired into the graph")
	}
}

// TestOwnedOutputsNeverLeak trains three copies of one net for two steps on different batches: with owned
// outputs poisoned between the steps, with them untouched, and with reuse disabled (fresh tensors each
// run). Kernels overwrite their whole output, so all three must agree bit for bit.
func TestOwnedOutputsNeverLeak(t *testing.T) {
	s := tinySpec(32, 4)
	const batch = 6
	rng := rand.New(rand.NewPCG(7, 7))
	x1, y1 := randomBatch(rng, batch, 1, 32, 32, 4)
	x2, y2 := randomBatch(rng, batch, 1, 32, 32, 4)

	run := func(mode string) ([]StepResult, []safetensors.Tensor, []float32) {
		n, err := New(s, 3)
		if err != nil {
			t.Fatal(err)
		}
		r1, err := n.TrainStep(x1, y1, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		g := n.train[batch][0]
		switch mode {
		case "poisoned":
			poisonSlots(t, g.slots)
		case "fresh":
			for _, sl := range g.slots {
				sl.Disable()
			}
		}
		r2, err := n.TrainStep(x2, y2, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Forward(x1, batch); err != nil {
			t.Fatal(err)
		}
		if mode == "poisoned" {
			poisonSlots(t, n.eval[batch][0].slots)
		}
		logits, err := n.Forward(x2, batch)
		if err != nil {
			t.Fatal(err)
		}
		return []StepResult{r1, r2}, n.Params(), logits
	}
	wantRes, wantParams, wantLogits := run("fresh")
	for _, mode := range []string{"reused", "poisoned"} {
		res, params, logits := run(mode)
		for i := range res {
			if res[i].Loss != wantRes[i].Loss || !slices.Equal(res[i].AuxLosses, wantRes[i].AuxLosses) {
				t.Errorf("%s: step %d loss %v aux %v, fresh buffers give %v %v", mode, i+1, res[i].Loss, res[i].AuxLosses, wantRes[i].Loss, wantRes[i].AuxLosses)
			}
		}
		for i := range params {
			if !slices.Equal(params[i].Data, wantParams[i].Data) {
				t.Errorf("%s: parameter %s differs from the run with fresh buffers", mode, params[i].Name)
			}
		}
		if !slices.Equal(logits, wantLogits) {
			t.Errorf("%s: Forward logits differ from the run with fresh buffers", mode)
		}
	}
}

// TestTrainStepAllocatesLittle checks the memory contract: after the first step, a training step reuses
// its activation, gradient and scratch buffers, so it allocates only a small fraction of the first step.
func TestTrainStepAllocatesLittle(t *testing.T) {
	s := tinySpec(32, 4)
	const batch = 8
	rng := rand.New(rand.NewPCG(8, 8))
	x, y := randomBatch(rng, batch, 1, 32, 32, 4)
	n, err := New(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	allocated := func(f func()) uint64 {
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	step := func() {
		if _, err := n.TrainStep(x, y, 1e-3); err != nil {
			t.Fatal(err)
		}
	}
	first := allocated(step)
	step()
	later := allocated(step)
	t.Logf("first step allocated %d bytes, a later step %d", first, later)
	if later*10 > first {
		t.Errorf("a step after the first allocated %d bytes, more than 10%% of the first step's %d", later, first)
	}
}

// TestBuffersShared checks that outputs with disjoint lifetimes share memory: the distinct backing
// arrays of a training graph hold clearly less than one buffer per node would.
func TestBuffersShared(t *testing.T) {
	s := tinySpec(32, 4)
	n, err := New(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	x, y := randomBatch(rng, 4, 1, 32, 32, 4)
	if _, err := n.TrainStep(x, y, 1e-3); err != nil {
		t.Fatal(err)
	}
	total, arrays := 0, map[*float32]int{}
	for _, sl := range n.train[4][0].slots {
		if sl.Output() == nil {
			continue
		}
		d := sl.Output().Data().([]float32)
		total += len(d)
		p := &d[:1][0]
		arrays[p] = max(arrays[p], cap(d))
	}
	distinct := 0
	for _, c := range arrays {
		distinct += c
	}
	t.Logf("%d owned outputs: %d values if private, %d in %d shared arrays", len(n.train[4][0].slots), total, distinct, len(arrays))
	if distinct*10 > total*8 {
		t.Errorf("shared arrays hold %d values, want < 80%% of the %d a private buffer per node needs", distinct, total)
	}
}

// TestTrainStepAllocationCount bounds the number of heap allocations of a steady-state training step
// of a batch computed as two halves, per node of the two training graphs. Part of them are gorgonia's
// tape machine (its per-instruction input slices) and cannot go. On this tiny net a step made 16.7 per
// node before the parallel sections ran on long-lived workers (internal/par) and tensor storage was
// read without reflection, and 8.4 after (2026-12-02).
func TestTrainStepAllocationCount(t *testing.T) {
	s := tinySpec(32, 4)
	const batch = 16 // two halves of 8
	rng := rand.New(rand.NewPCG(8, 9))
	x, y := randomBatch(rng, batch, 1, 32, 32, 4)
	n, err := New(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	step := func() {
		if _, err := n.TrainStep(x, y, 1e-3); err != nil {
			t.Fatal(err)
		}
	}
	step()
	step()
	nodes := 0
	for _, g := range n.train[batch/2] {
		nodes += len(g.g.AllNodes())
	}
	if len(n.train[batch/2]) != 2 {
		t.Fatalf("%d graphs of 8 images, want the two halves", len(n.train[batch/2]))
	}
	const steps = 5
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	for i := 0; i < steps; i++ {
		step()
	}
	runtime.ReadMemStats(&b)
	per := float64(b.Mallocs-a.Mallocs) / steps
	t.Logf("%.0f allocations per step, %d graph nodes: %.1f per node", per, nodes, per/float64(nodes))
	if per > 11*float64(nodes) {
		t.Errorf("a training step made %.0f allocations, %.1f per graph node; want at most 11 per node", per, per/float64(nodes))
	}
}
