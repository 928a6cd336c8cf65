package optim

import (
	"math"
	"testing"
)

// Closed forms: with a constant gradient g, weight decay 0 and momentum mu, the momentum buffer after
// k steps is g*(1-mu^k)/(1-mu); plain momentum moves w by lr*buf_k at step k, Nesterov by
// lr*(g + mu*buf_k).
func TestSGDStepClosedForm(t *testing.T) {
	const lr, mu, g0, w0 = 0.1, 0.9, 0.5, 1.0
	for _, tc := range []struct {
		name     string
		mu       float64
		nesterov bool
	}{{"plain", 0, false}, {"momentum", mu, false}, {"nesterov", mu, true}} {
		t.Run(tc.name, func(t *testing.T) {
			w, g, buf := []float32{w0}, []float32{g0}, []float32{0}
			want := w0
			for k := 1; k <= 5; k++ {
				SGDStep(w, g, buf, lr, float32(tc.mu), 0, tc.nesterov)
				b := g0 * (1 - math.Pow(tc.mu, float64(k))) / (1 - tc.mu)
				if tc.mu == 0 {
					b = g0
				}
				d := b
				if tc.nesterov {
					d = g0 + tc.mu*b
				}
				want -= lr * d
				if math.Abs(float64(w[0])-want) > 1e-6 {
					t.Fatalf("step %d: w = %v, closed form %v", k, w[0], want)
				}
				if tc.mu != 0 && math.Abs(float64(buf[0])-b) > 1e-6 {
					t.Fatalf("step %d: buffer %v, closed form %v", k, buf[0], b)
				}
			}
		})
	}
}

// With zero gradient, L2 weight decay alone is w_k = w0*(1-lr*wd)^k (no momentum).
func TestSGDWeightDecay(t *testing.T) {
	w, g, buf := []float32{2}, []float32{0}, []float32{0}
	for k := 1; k <= 3; k++ {
		SGDStep(w, g, buf, 0.1, 0, 0.5, false)
		if want := 2 * math.Pow(1-0.05, float64(k)); math.Abs(float64(w[0])-want) > 1e-6 {
			t.Fatalf("step %d: w = %v, want %v", k, w[0], want)
		}
	}
}

func TestDecayStep(t *testing.T) {
	w := []float32{1, -2, 0}
	DecayStep(w, float32(1-0.01*0.1))
	for i, want := range []float64{0.999, -1.998, 0} {
		if math.Abs(float64(w[i])-want) > 1e-7 {
			t.Errorf("w[%d] = %v, want %v", i, w[i], want)
		}
	}
}

// The running average of a constant w0 from a0 after k updates at fixed decay d is
// w0 + (a0-w0)*d^k.
func TestEMAStepClosedForm(t *testing.T) {
	avg, w := []float32{0}, []float32{1}
	for k := 1; k <= 10; k++ {
		EMAStep(avg, w, 0.9)
		if want := 1 - math.Pow(0.9, float64(k)); math.Abs(float64(avg[0])-want) > 1e-6 {
			t.Fatalf("update %d: avg %v, want %v", k, avg[0], want)
		}
	}
}

func TestEMADecay(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    float64
		t    int64
		want float64
	}{{"first update", 0.999, 1, 2.0 / 11}, {"early", 0.999, 90, 91.0 / 100}, {"capped", 0.99, 10000, 0.99}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EMADecay(tc.d, tc.t); math.Abs(got-tc.want) > 1e-15 {
				t.Errorf("EMADecay(%v, %d) = %v, want %v", tc.d, tc.t, got, tc.want)
			}
		})
	}
}

func TestScheduleValues(t *testing.T) {
	step := Schedule{Kind: StepDecay, Base: 0.1, StepsPerEpoch: 10, TotalSteps: 300, Every: 8, Factor: 0.96}
	cos := Schedule{Kind: Cosine, Base: 0.1, StepsPerEpoch: 10, TotalSteps: 110, WarmupSteps: 10, MinLR: 0.001}
	one := Schedule{Kind: OneCycle, Base: 0.4, StepsPerEpoch: 10, TotalSteps: 100, PctStart: 0.3, DivFactor: 25, FinalDiv: 1e4}
	warm := Schedule{Kind: Constant, Base: 0.2, StepsPerEpoch: 10, TotalSteps: 100, WarmupSteps: 4}
	for _, tc := range []struct {
		name string
		s    Schedule
		step int64
		want float64
	}{
		{"constant", Schedule{Kind: Constant, Base: 3e-4, StepsPerEpoch: 1, TotalSteps: 1}, 12345, 3e-4},
		{"step epoch 0", step, 0, 0.1},
		{"step epoch 7", step, 79, 0.1},
		{"step epoch 8", step, 80, 0.096},
		{"step epoch 16", step, 160, 0.1 * 0.96 * 0.96},
		{"step epoch 29", step, 299, 0.1 * 0.96 * 0.96 * 0.96},
		{"warmup first", warm, 0, 0.05},
		{"warmup last", warm, 3, 0.2},
		{"warmup done", warm, 4, 0.2},
		{"cosine warmup", cos, 4, 0.1 * 5 / 10},
		{"cosine start", cos, 10, 0.1},
		{"cosine middle", cos, 60, 0.001 + 0.099/2},
		{"cosine quarter", cos, 35, 0.001 + 0.099*(1+math.Cos(math.Pi/4))/2},
		{"cosine end", cos, 110, 0.001},
		// torch.optim.lr_scheduler.OneCycleLR(max_lr=0.4, total_steps=100): the values PyTorch prints.
		{"onecycle start", one, 0, 0.016},
		{"onecycle peak", one, 29, 0.4},
		{"onecycle rising", one, 10, 0.016 + (0.4-0.016)/2*(1-math.Cos(math.Pi*10/29))},
		{"onecycle end", one, 99, 0.016 / 1e4},
		{"onecycle falling", one, 64, 0.016/1e4 + (0.4-0.016/1e4)/2*(1+math.Cos(math.Pi*35/70))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tc.s.At(tc.step); math.Abs(got-tc.want) > 1e-12*math.Max(1, tc.want) {
				t.Errorf("At(%d) = %.17g, want %.17g", tc.step, got, tc.want)
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	ok := Schedule{Kind: Constant, Base: 0.1, StepsPerEpoch: 10, TotalSteps: 100}
	for _, tc := range []struct {
		name string
		edit func(*Schedule)
	}{
		{"unknown kind", func(s *Schedule) { s.Kind = "exp" }},
		{"zero lr", func(s *Schedule) { s.Base = 0 }},
		{"no steps", func(s *Schedule) { s.StepsPerEpoch = 0 }},
		{"step every 0", func(s *Schedule) { s.Kind, s.Factor = StepDecay, 0.9 }},
		{"onecycle warmup", func(s *Schedule) {
			s.Kind, s.PctStart, s.DivFactor, s.FinalDiv, s.WarmupSteps = OneCycle, 0.3, 25, 1e4, 5
		}},
		{"onecycle too short", func(s *Schedule) {
			s.Kind, s.PctStart, s.DivFactor, s.FinalDiv, s.TotalSteps = OneCycle, 0.3, 25, 1e4, 3
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			if err := s.Validate(); err == nil {
				t.Errorf("%+v: no error", s)
			}
		})
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid schedule rejected: %v", err)
	}
}

func TestChunksCoverEverything(t *testing.T) {
	sizes := []int{1, chunkSize, chunkSize + 1, 0, 3 * chunkSize}
	seen := make([][]int, len(sizes))
	for i, n := range sizes {
		seen[i] = make([]int, n)
	}
	Parallel(Chunks(sizes), func(c Chunk) {
		for j := c.Lo; j < c.Hi; j++ {
			seen[c.I][j]++
		}
	})
	for i := range seen {
		for j, n := range seen[i] {
			if n != 1 {
				t.Fatalf("tensor %d element %d visited %d times", i, j, n)
			}
		}
	}
}
