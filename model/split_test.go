package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"inceptionlab/model/safetensors"
)

// TestSplitBatchMatchesWholeBatch checks that a batch computed as two concurrent halves (splitBatch) gives
// the loss, hits, gradient step and logits of the same batch computed by one graph, up to float32
// rounding, for an even and an odd split. Dropout is off so both draw no masks. SGD without momentum makes
// a step's change lr*g, so the parameter difference after the steps is the gradients' difference:
// summing two half-batch gradients instead of one whole-batch sum reorders float32 additions, which moves
// a result by a few ulps of the magnitudes summed; 1e-4 of the change plus 1e-7 absolute covers that
// with room and catches any wrong weighting of the halves (a factor of 2, a dropped half) by orders of
// magnitude.
func TestSplitBatchMatchesWholeBatch(t *testing.T) {
	s := tinySpec(32, 4)
	s.Dropout, s.Aux.Dropout = 0, 0
	for _, c := range []struct {
		batch int
		parts map[int]int // part size -> graphs of that size the split net must have built
	}{{40, map[int]int{20: 2}}, {37, map[int]int{18: 1, 19: 1}}} {
		rng := rand.New(rand.NewPCG(11, uint64(c.batch)))
		x, y := randomBatch(rng, c.batch, 1, 32, 32, 4)
		run := func(min int) (*Net, []StepResult, []float32) {
			t.Helper()
			old := splitMin
			splitMin = min
			defer func() { splitMin = old }()
			n, err := New(s, 5)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Configure(TrainOptions{Optimizer: OptSGD}); err != nil {
				t.Fatal(err)
			}
			var rs []StepResult
			for range 2 {
				r, err := n.TrainStep(x, y, 0.05)
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, r)
			}
			logits, err := n.Forward(x, c.batch)
			if err != nil {
				t.Fatal(err)
			}
			return n, rs, logits
		}
		whole, wr, wl := run(math.MaxInt)
		split, sr, sl := run(2)
		if len(whole.train[c.batch]) != 1 || len(split.train[c.batch]) != 0 {
			t.Fatalf("batch %d: whole net built %d graphs of the batch, split net %d", c.batch, len(whole.train[c.batch]), len(split.train[c.batch]))
		}
		for size, k := range c.parts {
			if len(split.train[size]) != k || len(split.eval[size]) != k {
				t.Errorf("batch %d: %d training and %d inference graphs of %d images, want %d", c.batch, len(split.train[size]), len(split.eval[size]), size, k)
			}
		}
		for i := range wr {
			w, p := wr[i], sr[i]
			if w.Correct != p.Correct || w.Correct5 != p.Correct5 || w.BatchCount != p.BatchCount {
				t.Errorf("batch %d step %d: hits %d/%d of %d, split %d/%d of %d", c.batch, i+1, w.Correct, w.Correct5, w.BatchCount, p.Correct, p.Correct5, p.BatchCount)
			}
			pairs := [][2]float64{{w.Loss, p.Loss}, {w.MainLoss, p.MainLoss}}
			for j := range w.AuxLosses {
				pairs = append(pairs, [2]float64{w.AuxLosses[j], p.AuxLosses[j]})
			}
			for j, l := range pairs {
				if math.Abs(l[0]-l[1]) > 1e-5*math.Abs(l[0]) {
					t.Errorf("batch %d step %d: loss %d = %.8g whole, %.8g split", c.batch, i+1, j, l[0], l[1])
				}
			}
		}
		init, err := New(s, 5)
		if err != nil {
			t.Fatal(err)
		}
		compareSteps(t, init.Params(), whole.Params(), split.Params())
		for i := range wl {
			if d := math.Abs(float64(wl[i] - sl[i])); d > 1e-5*(1+math.Abs(float64(wl[i]))) {
				t.Fatalf("batch %d: logit %d = %g whole, %g split", c.batch, i, wl[i], sl[i])
			}
		}
	}
}

// compareSteps checks per tensor that split moved the parameters from init where whole did, within 1e-4
// of the largest change plus 1e-7. A tensor the steps did not move (a branch whose ReLUs are all off at
// this tiny width) must be unchanged in both; most tensors must have moved.
func compareSteps(t *testing.T, init, whole, split []safetensors.Tensor) {
	t.Helper()
	still := 0
	for i := range init {
		var moved, diff float64
		for j, w0 := range init[i].Data {
			moved = math.Max(moved, math.Abs(float64(whole[i].Data[j]-w0)))
			diff = math.Max(diff, math.Abs(float64(whole[i].Data[j]-split[i].Data[j])))
		}
		if moved == 0 {
			still++
		}
		if diff > 1e-4*moved+1e-7 {
			t.Errorf("%s: split and whole differ by %.3g after steps that moved it by %.3g", init[i].Name, diff, moved)
		}
	}
	if still > len(init)/10 {
		t.Errorf("the steps moved only %d of %d tensors", len(init)-still, len(init))
	}
}

// TestSplitBatchLabelErrorNamesImage: a bad label in either half of a split batch is reported with its
// image's index in the whole batch, before anything runs.
func TestSplitBatchLabelErrorNamesImage(t *testing.T) {
	s := tinySpec(32, 4)
	n, err := New(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	batch := 2 * splitMin
	for _, bad := range []int{3, splitMin + 3} {
		x, y := randomBatch(rand.New(rand.NewPCG(1, 1)), batch, 1, 32, 32, 4)
		y[bad] = 4
		_, err := n.TrainStep(x, y, 1e-3)
		want := fmt.Sprintf("model: label 4 of image %d is outside [0, 4)", bad)
		if err == nil || err.Error() != want {
			t.Errorf("label 4 at image %d of %d: error %v, want %q", bad, batch, err, want)
		}
	}
	if n.Step() != 0 {
		t.Errorf("failed steps moved the optimizer to step %d", n.Step())
	}
}
