package model

import (
	"math/rand/v2"
	"slices"
	"testing"

	"inceptionlab/model/safetensors"
)

// Forward keeps each convolution's packed filters between calls while the weights stay the same (see
// ops.PackShare.BeginFrozen). Everything that changes the weights - a training step, SetParams, the
// weight average swapped in and out - must make the next Forward use the new weights: each Forward
// below is compared with a fresh net holding the same weights, which has never packed anything.
func TestForwardSeesEveryWeightChange(t *testing.T) {
	s := tinySpec(32, 4)
	const batch = 16 // two concurrent parts sharing the kept panels
	rng := rand.New(rand.NewPCG(12, 13))
	x, y := randomBatch(rng, batch, 1, 32, 32, 4)

	n, err := New(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Configure(TrainOptions{Optimizer: OptAdam, EMADecay: 0.5}); err != nil {
		t.Fatal(err)
	}
	check := func(what string, params []safetensors.Tensor) {
		t.Helper()
		got, err := n.Forward(x, batch)
		if err != nil {
			t.Fatal(err)
		}
		again, err := n.Forward(x, batch) // from the kept panels
		if err != nil {
			t.Fatal(err)
		}
		ref, err := New(s, 99)
		if err != nil {
			t.Fatal(err)
		}
		if err := ref.SetParams(params); err != nil {
			t.Fatal(err)
		}
		exp, err := ref.Forward(x, batch)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, exp) || !slices.Equal(again, exp) {
			t.Fatalf("%s: Forward differs from a fresh net with the same weights (stale packed filters?)", what)
		}
	}

	check("initial weights", n.Params())
	if n.packs.Kept() == 0 {
		t.Fatal("Forward kept no packed filters")
	}
	for step := 0; step < 2; step++ {
		if _, err := n.TrainStep(x, y, 1e-2); err != nil {
			t.Fatal(err)
		}
		check("after a training step", n.Params())
	}
	ema := n.EMAParams() // captured before the swap: inside WithEMA n.ema holds the trained weights
	if err := n.WithEMA(func() error {
		check("with the weight average swapped in", ema)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after the weight average was swapped out", n.Params())

	other, err := New(s, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetParams(other.Params()); err != nil {
		t.Fatal(err)
	}
	check("after SetParams", other.Params())
}
