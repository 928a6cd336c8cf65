package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"inceptionlab/model/arch"
)

// TestTrainStepIndependentOfThreads trains the same steps on 1, 2 and 3 cores and wants the same bits:
// weights, Adam state and logits. 32x32 runs only the batched small-map kernels; 64x64 also the
// per-sample ones (conv1's 32x32 output), whose filter gradient once kept one accumulator per core.
func TestTrainStepIndependentOfThreads(t *testing.T) {
	for _, c := range []struct{ size, batch int }{{32, 16}, {64, 12}} {
		t.Run(fmt.Sprintf("%dx%d", c.size, c.batch), func(t *testing.T) {
			s := arch.DefaultSpec(10)
			s.InChannels, s.ImageSize, s.Width = 1, c.size, 0.25
			type result struct {
				names  []string
				params [][]float32
				logits []float32
			}
			train := func(procs int) result {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				n, err := New(s, 7)
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(3, 4))
				for step := 0; step < 2; step++ {
					x, y := randomBatch(rng, c.batch, s.InChannels, s.ImageSize, s.ImageSize, s.NumClasses)
					if _, err := n.TrainStep(x, y, 1e-3); err != nil {
						t.Fatal(err)
					}
				}
				x, _ := randomBatch(rng, c.batch, s.InChannels, s.ImageSize, s.ImageSize, s.NumClasses)
				logits, err := n.Forward(x, c.batch)
				if err != nil {
					t.Fatal(err)
				}
				var r result
				for _, p := range n.Params() {
					r.names, r.params = append(r.names, p.Name), append(r.params, p.Data)
				}
				r.logits = logits
				return r
			}
			want := train(1)
			for _, procs := range []int{2, 3} {
				got := train(procs)
				for i := range want.params {
					if !slices.Equal(got.params[i], want.params[i]) {
						t.Errorf("GOMAXPROCS %d: %s after 2 steps differs from GOMAXPROCS 1", procs, want.names[i])
					}
				}
				if !slices.Equal(got.logits, want.logits) {
					t.Errorf("GOMAXPROCS %d: logits differ from GOMAXPROCS 1", procs)
				}
			}
		})
	}
}
