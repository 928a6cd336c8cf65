package model

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Interrupting training after two steps, saving, loading and continuing for two more gives the same
// weights, optimizer state and weight average, bit for bit, as four uninterrupted steps, for every
// optimizer (with a learning rate that changes every step, as a schedule does).
func TestResumeIsBitExactForEveryOptimizer(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts TrainOptions
	}{
		{"adam", TrainOptions{}},
		{"adamw+ema", TrainOptions{Optimizer: OptAdamW, WeightDecay: 0.05, EMADecay: 0.9}},
		{"sgd-nesterov+ema+smoothing", TrainOptions{Optimizer: OptSGD, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4, EMADecay: 0.99, LabelSmoothing: 0.1}},
		{"sgd-plain", TrainOptions{Optimizer: OptSGD}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tinySpec(32, 5)
			rng := rand.New(rand.NewPCG(3, 4))
			x, y := randomBatch(rng, 4, 1, 32, 32, 5)
			lr := func(step int) float64 { return 0.01 / float64(step+1) }
			build := func() *Net {
				n, err := New(s, 5)
				if err != nil {
					t.Fatal(err)
				}
				if err := n.Configure(tc.opts); err != nil {
					t.Fatal(err)
				}
				return n
			}
			steps := func(n *Net, from, to int) {
				for i := from; i < to; i++ {
					if _, err := n.TrainStep(x, y, lr(i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			whole := build()
			steps(whole, 0, 4)

			part := build()
			steps(part, 0, 2)
			path := filepath.Join(t.TempDir(), "last.safetensors")
			if err := part.SaveTraining(path, nil); err != nil {
				t.Fatal(err)
			}
			resumed, _, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := resumed.Options(); got != withKind(tc.opts) {
				t.Errorf("loaded options %+v, saved %+v", got, withKind(tc.opts))
			}
			if err := resumed.Configure(tc.opts); err != nil {
				t.Fatal(err)
			}
			steps(resumed, 2, 4)
			if resumed.Step() != 4 {
				t.Fatalf("resumed net at step %d, want 4", resumed.Step())
			}
			for i, p := range whole.Params() {
				if !slices.Equal(p.Data, resumed.Params()[i].Data) {
					t.Fatalf("%s differs between resumed and uninterrupted", p.Name)
				}
			}
			if tc.opts.EMADecay > 0 {
				a, b := whole.EMAParams(), resumed.EMAParams()
				for i := range a {
					if !slices.Equal(a[i].Data, b[i].Data) {
						t.Fatalf("average of %s differs between resumed and uninterrupted", a[i].Name)
					}
				}
				if slices.Equal(a[0].Data, whole.Params()[0].Data) {
					t.Fatalf("the average equals the weights after 4 steps")
				}
			}
		})
	}
}

func withKind(o TrainOptions) TrainOptions {
	if o.Optimizer == "" {
		o.Optimizer = OptAdam
	}
	return o
}

// Configure(TrainOptions{}) on a fresh net changes nothing: Adam's default path stays bit-identical.
func TestConfigureDefaultIsPlainAdam(t *testing.T) {
	s := tinySpec(32, 5)
	rng := rand.New(rand.NewPCG(8, 8))
	x, y := randomBatch(rng, 4, 1, 32, 32, 5)
	a, _ := New(s, 2)
	b, _ := New(s, 2)
	if err := b.Configure(TrainOptions{Optimizer: OptAdam}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		ra, err := a.TrainStep(x, y, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.TrainStep(x, y, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		if ra.Loss != rb.Loss {
			t.Fatalf("step %d: loss %v vs %v", i+1, ra.Loss, rb.Loss)
		}
	}
}

// The weight average follows optim.EMADecay: after the first step (decay 2/11) it is
// (2/11)*w0 + (9/11)*w1 within float32 rounding.
func TestEMAAfterOneStep(t *testing.T) {
	s := tinySpec(32, 5)
	n, _ := New(s, 2)
	if err := n.Configure(TrainOptions{Optimizer: OptSGD, Momentum: 0.9, EMADecay: 0.999}); err != nil {
		t.Fatal(err)
	}
	w0 := n.Params()
	rng := rand.New(rand.NewPCG(8, 8))
	x, y := randomBatch(rng, 4, 1, 32, 32, 5)
	if _, err := n.TrainStep(x, y, 0.1); err != nil {
		t.Fatal(err)
	}
	w1, avg := n.Params(), n.EMAParams()
	for i := range w1 {
		for j := range w1[i].Data {
			want := 2.0/11*float64(w0[i].Data[j]) + 9.0/11*float64(w1[i].Data[j])
			if d := float64(avg[i].Data[j]) - want; d > 1e-6 || d < -1e-6 {
				t.Fatalf("%s[%d]: average %v, want %v", w1[i].Name, j, avg[i].Data[j], want)
			}
		}
	}
	// WithEMA swaps the average in and the weights back out exactly.
	var inside []float32
	if err := n.WithEMA(func() error { inside = n.Params()[0].Data; return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inside, avg[0].Data) || !slices.Equal(n.Params()[0].Data, w1[0].Data) {
		t.Fatal("WithEMA did not swap the average in and back out")
	}
	path := filepath.Join(t.TempDir(), "best.safetensors")
	if err := n.SaveEMAWeights(path, nil); err != nil {
		t.Fatal(err)
	}
	m, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta[MetaWeights] != "ema" || !slices.Equal(m.Params()[0].Data, avg[0].Data) {
		t.Fatalf("SaveEMAWeights: metadata %q, params equal to the average: %v", meta[MetaWeights], slices.Equal(m.Params()[0].Data, avg[0].Data))
	}
}

func TestConfigureRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts TrainOptions
		want string
	}{
		{"unknown optimizer", TrainOptions{Optimizer: "rmsprop"}, `optimizer "rmsprop" is not one of`},
		{"momentum 1", TrainOptions{Optimizer: OptSGD, Momentum: 1}, "momentum must be in [0, 1)"},
		{"nesterov without momentum", TrainOptions{Optimizer: OptSGD, Nesterov: true}, "Nesterov momentum needs a momentum > 0"},
		{"momentum for adam", TrainOptions{Momentum: 0.9}, "momentum and nesterov are SGD settings"},
		{"weight decay for adam", TrainOptions{WeightDecay: 0.1}, "adam has no weight decay"},
		{"negative decay", TrainOptions{Optimizer: OptSGD, WeightDecay: -1}, "weight decay must be >= 0"},
		{"smoothing 1", TrainOptions{LabelSmoothing: 1}, "label smoothing must be in [0, 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := New(tinySpec(32, 3), 1)
			if err := n.Configure(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	n, _ := New(tinySpec(32, 3), 1)
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randomBatch(rng, 2, 1, 32, 32, 3)
	if _, err := n.TrainStep(x, y, 1e-3); err != nil {
		t.Fatal(err)
	}
	if err := n.Configure(TrainOptions{Optimizer: OptSGD}); err == nil || !strings.Contains(err.Error(), "cannot continue with sgd") {
		t.Errorf("switching optimizers mid-training: got %v", err)
	}
	if err := n.Configure(TrainOptions{EMADecay: 0.9}); err == nil || !strings.Contains(err.Error(), "cannot start one now") {
		t.Errorf("starting an average mid-training: got %v", err)
	}
}
