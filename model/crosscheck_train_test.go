package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"inceptionlab/model/arch"
)

// TestTorchTrainingSteps trains the same network from the same initial weights on the same batch, with
// dropout off, for five steps here and in the PyTorch reference (testdata/torch_crosscheck.py), and
// compares every parameter tensor after steps 1 and 5, the losses and the learning rates.
//
// Tolerances. Forward and backward run in float32 in both, with different summation orders, so
// gradients agree to a relative ~1e-5 of their tensor's largest element (the logits check above sees
// 1e-5 relative on outputs). How that reaches the weights depends on the optimizer:
//   - SGD moves w by lr*d: the difference after k steps is about k*lr*1e-5*max|d|, far below the
//     float32 rounding of w itself, so the bound is a few float32 ulps of the tensor's largest weight
//     plus lr*1e-4 (rtol 2e-6 of max|w| + atol lr*1e-4).
//   - Adam normalises each element's step to about lr whatever the gradient's size, so an element whose
//     gradient is small (where the two sums differ most in relative terms) can move by a slightly
//     different fraction of lr: measured, at most 0.63% of lr after one step (aux2/fc2/w). The bound is
//     1% of lr per step on any element, and the mean absolute difference over each tensor must stay
//     below lr*1e-4 (measured: at most 5e-5*lr), so a wrong rule that moves most elements a little (a
//     missing bias correction, AdamW's decay missing or coupled to the gradient) cannot pass.
//     Epsilon's placement (Keras adds eps to sqrt(v); torch.optim.Adam to sqrt(v)/sqrt(1-b2^t)) only
//     matters for gradients below ~1e-6 at eps 1e-7, which this batch barely has; the Keras form is
//     written out in torch_crosscheck.py and pinned by optim's closed-form tests.
//
// Learning rates must agree to float32 precision (torch returns them as float32; both sides compute
// them in float64, ours in closed form, torch by its schedulers' recurrences) and the
// losses to 1e-5 relative.
func TestTorchTrainingSteps(t *testing.T) {
	needTorch(t)
	spec := arch.DefaultSpec(10)
	spec.InChannels, spec.ImageSize, spec.Width = 1, 32, 0.125
	spec.Dropout, spec.Aux.Dropout = 0, 0
	spec.Init = "he_normal"
	const batch, steps = 8, 5
	rng := rand.New(rand.NewPCG(17, 17))
	x := make([]float32, batch*32*32)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int, batch)
	for i := range y {
		y[i] = rng.IntN(10)
	}
	type tcase struct {
		name  string
		opts  TrainOptions
		sched Schedule
		torch map[string]any // optimizer
		tsch  map[string]any // schedule
		adam  bool
	}
	cases := []tcase{
		{name: "adam-keras-constant", opts: TrainOptions{},
			sched: Schedule{Kind: ScheduleConstant, Base: 1e-3, StepsPerEpoch: 1, TotalSteps: steps},
			torch: map[string]any{"kind": "adam", "lr": 1e-3}, adam: true},
		{name: "sgd-nesterov-onecycle", opts: TrainOptions{Optimizer: OptSGD, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4},
			sched: Schedule{Kind: ScheduleOneCycle, Base: 0.05, StepsPerEpoch: 1, TotalSteps: steps, PctStart: 0.3, DivFactor: 25, FinalDiv: 1e4},
			torch: map[string]any{"kind": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": true, "weight_decay": 5e-4},
			tsch:  map[string]any{"kind": "onecycle", "total_steps": steps, "pct_start": 0.3, "div_factor": 25, "final_div_factor": 1e4}},
		{name: "sgd-momentum-cosine", opts: TrainOptions{Optimizer: OptSGD, Momentum: 0.9},
			sched: Schedule{Kind: ScheduleCosine, Base: 0.02, StepsPerEpoch: 1, TotalSteps: steps, MinLR: 1e-4},
			torch: map[string]any{"kind": "sgd", "lr": 0.02, "momentum": 0.9},
			tsch:  map[string]any{"kind": "cosine", "total_steps": steps, "min_lr": 1e-4}},
		{name: "adamw-step-smoothing", opts: TrainOptions{Optimizer: OptAdamW, WeightDecay: 0.01, LabelSmoothing: 0.1},
			sched: Schedule{Kind: ScheduleStep, Base: 2e-3, StepsPerEpoch: 2, TotalSteps: steps, Every: 1, Factor: 0.5},
			torch: map[string]any{"kind": "adamw", "lr": 2e-3, "weight_decay": 0.01},
			tsch:  map[string]any{"kind": "step", "steps_per_epoch": 2, "every": 1, "factor": 0.5}, adam: true},
	}
	type result struct {
		params [][]float32 // after steps 1 and 5, ParamInfos order
		losses []float64
		lrs    []float64
	}
	var jobs []*torchJob
	ours := make([]result, len(cases))
	for i, c := range cases {
		n, err := New(spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Configure(c.opts); err != nil {
			t.Fatal(err)
		}
		init := n.Params()
		for s := 0; s < steps; s++ {
			lr := c.sched.At(int64(s))
			res, err := n.TrainStep(x, y, lr)
			if err != nil {
				t.Fatal(err)
			}
			ours[i].lrs = append(ours[i].lrs, lr)
			if s == 0 || s == steps-1 {
				ours[i].losses = append(ours[i].losses, res.Loss)
				for _, p := range n.Params() {
					ours[i].params = append(ours[i].params, p.Data)
				}
			}
		}
		jobs = append(jobs, &torchJob{Spec: spec, Params: init, Input: x, Labels: y, Train: &torchTrain{
			Steps: steps, Record: []int{1, steps}, AuxWeight: spec.Aux.Weight, LabelSmoothing: c.opts.LabelSmoothing,
			Optimizer: c.torch, Schedule: c.tsch}})
	}
	runTorchJobs(t, jobs)
	infos := mustPlan(t, spec).ParamInfos()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := jobs[i]
			if j.Err != "" {
				t.Fatalf("PyTorch refused the job: %s", j.Err)
			}
			for s, lr := range ours[i].lrs {
				tl := float64(j.Out["lr"].Data[s])
				if math.Abs(tl-lr) > 1e-6*lr { // "lr" comes back as float32
					t.Errorf("step %d: learning rate %.9g, torch %.9g", s+1, lr, tl)
				}
			}
			for k, step := range []int{1, steps} {
				tl := float64(j.Out[fmt.Sprintf("loss%d", step)].Data[0])
				if l := ours[i].losses[k]; math.Abs(l-tl) > 1e-5*math.Abs(tl) {
					t.Errorf("loss before step %d: ours %.7g, torch %.7g", step, l, tl)
				}
				var worst, worstMean float64
				var worstName string
				for pi, info := range infos {
					got := ours[i].params[k*len(infos)+pi]
					want := j.Out[fmt.Sprintf("step%d/%s", step, info.Name)].Data
					if len(want) != len(got) {
						t.Fatalf("step %d %s: torch has %d values, ours %d", step, info.Name, len(want), len(got))
					}
					var maxDiff, sumDiff, maxW float64
					for e := range got {
						d := math.Abs(float64(got[e]) - float64(want[e]))
						maxDiff, sumDiff = math.Max(maxDiff, d), sumDiff+d
						maxW = math.Max(maxW, math.Abs(float64(want[e])))
					}
					mean := sumDiff / float64(len(got))
					lr := c.sched.Base
					var bound, meanBound float64
					if c.adam {
						bound, meanBound = float64(step)*lr*1e-2, lr*1e-4
					} else {
						bound, meanBound = 2e-6*maxW+lr*1e-4, math.Inf(1)
					}
					if maxDiff > bound || mean > meanBound {
						t.Errorf("after step %d, %s: max |ours - torch| %.3g (bound %.3g), mean %.3g (bound %.3g), max |w| %.3g",
							step, info.Name, maxDiff, bound, mean, meanBound, maxW)
					}
					if maxDiff > worst {
						worst, worstName = maxDiff, info.Name
					}
					worstMean = math.Max(worstMean, mean)
				}
				t.Logf("after step %d: largest |ours - torch| %.3g (%s), largest per-tensor mean %.3g", step, worst, worstName, worstMean)
			}
		})
	}
}
