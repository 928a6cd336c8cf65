package model

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"inceptionlab/model/arch"
)

// tinySpec is a narrow GoogLeNet that trains in milliseconds per step.
func tinySpec(size, classes int) arch.Spec {
	s := arch.DefaultSpec(classes)
	s.InChannels = 1
	s.ImageSize = size
	s.Width = 0.125
	return s
}

func randomBatch(rng *rand.Rand, n, c, h, w, classes int) ([]float32, []int) {
	x := make([]float32, n*c*h*w)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(classes)
	}
	return x, y
}

func TestGraphParamCountEqualsPlan(t *testing.T) {
	cases := []struct {
		name string
		edit func(*arch.Spec)
	}{
		{"reduce+aux", func(*arch.Spec) {}},
		{"noaux", func(s *arch.Spec) { s.Aux.Enabled = false }},
		{"naive+proj", func(s *arch.Spec) { s.Reduce = false }},
		{"naive-pure", func(s *arch.Spec) { s.Reduce = false; s.PoolProj = false }},
		{"rgb-64-width-half", func(s *arch.Spec) { s.InChannels = 3; s.ImageSize = 64; s.Width = 0.5 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tinySpec(32, 10)
			tc.edit(&s)
			n, err := New(s, 1)
			if err != nil {
				t.Fatal(err)
			}
			got, err := n.GraphParamCount()
			if err != nil {
				t.Fatal(err)
			}
			if want := n.Plan().TotalParams(true); got != want {
				t.Fatalf("graph has %d parameters, plan counts %d", got, want)
			}
		})
	}
}

func TestUntrainedLossIsLnClasses(t *testing.T) {
	s := tinySpec(32, 10)
	s.Aux.Enabled = false
	n, err := New(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := randomBatch(rng, 16, 1, 32, 32, 10)
	res, err := n.TrainStep(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.MainLoss-math.Log(10)) > 0.3 {
		t.Fatalf("untrained loss %.4f, want about ln(10) = %.4f", res.MainLoss, math.Log(10))
	}
}

// TestOverfitTinyBatch trains a tiny model on a few images until the loss is near zero.
func TestOverfitTinyBatch(t *testing.T) {
	s := tinySpec(32, 4)
	s.Dropout = 0
	s.Aux.Dropout = 0
	n, err := New(s, 7)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	x, y := randomBatch(rng, 8, 1, 32, 32, 4)
	var res StepResult
	for step := 0; step < 150; step++ {
		if res, err = n.TrainStep(x, y, 3e-3); err != nil {
			t.Fatal(err)
		}
		if res.MainLoss < 0.01 {
			break
		}
	}
	if res.MainLoss > 0.05 || res.Correct != 8 {
		t.Fatalf("after training on 8 images: main loss %.4f, %d/8 correct; want loss < 0.05 and 8/8", res.MainLoss, res.Correct)
	}
	logits, err := n.Forward(x, 8)
	if err != nil {
		t.Fatal(err)
	}
	if top1, _ := TopK(logits, y, 4); top1 != 8 {
		t.Fatalf("inference graph gets %d/8 right after overfitting, want 8", top1)
	}
}

func TestCheckpointRoundTripIsBitIdentical(t *testing.T) {
	s := tinySpec(32, 5)
	n, err := New(s, 11)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	x, y := randomBatch(rng, 4, 1, 32, 32, 5)
	if _, err := n.TrainStep(x, y, 1e-3); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := n.SaveTraining(path, map[string]string{"config_hash": "abc"}); err != nil {
		t.Fatal(err)
	}
	m, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["config_hash"] != "abc" || m.Step() != 1 {
		t.Fatalf("metadata %v, step %d", meta["config_hash"], m.Step())
	}
	a, _ := n.Forward(x, 4)
	b, _ := m.Forward(x, 4)
	if !slices.Equal(a, b) {
		t.Fatal("loaded checkpoint gives different logits")
	}
	// Continuing training from the checkpoint matches continuing the original exactly.
	ra, err := n.TrainStep(x, y, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := m.TrainStep(x, y, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Loss != rb.Loss {
		t.Fatalf("resumed step loss %v, uninterrupted %v", rb.Loss, ra.Loss)
	}
	pa, pb := n.Params(), m.Params()
	for i := range pa {
		if !slices.Equal(pa[i].Data, pb[i].Data) {
			t.Fatalf("after one more step %s differs between resumed and uninterrupted", pa[i].Name)
		}
	}
}
