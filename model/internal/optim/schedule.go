package optim

import (
	"fmt"
	"math"
)

// Schedule kinds.
const (
	Constant  = "constant" // the base rate at every step
	StepDecay = "step"     // base * factor^floor(epoch/every), epochs counted from 0
	Cosine    = "cosine"   // half a cosine from base down to min over the steps after warm-up
	OneCycle  = "onecycle" // PyTorch's OneCycleLR (cosine annealing, two phases)
)

// Kinds lists the valid Schedule.Kind values.
var Kinds = []string{Constant, StepDecay, Cosine, OneCycle}

// Schedule gives the learning rate of every optimizer step. Steps are counted from 0 over the whole
// run (step s of epoch e, 0-based, is e*StepsPerEpoch + s), so the rate depends only on the step
// number and a resumed run continues the schedule exactly.
type Schedule struct {
	Kind          string
	Base          float64 // train.lr: the rate of constant, the start of step and cosine, the peak of one-cycle
	StepsPerEpoch int64
	TotalSteps    int64   // epochs * StepsPerEpoch (cosine and one-cycle)
	Every         int     // step: epochs between decays
	Factor        float64 // step: multiplier per decay (0.96 = the paper's 4%)
	WarmupSteps   int64   // linear warm-up from Base/WarmupSteps to Base (constant, step, cosine)
	MinLR         float64 // cosine: the final rate
	PctStart      float64 // one-cycle: fraction of the steps spent rising
	DivFactor     float64 // one-cycle: initial rate = Base/DivFactor
	FinalDiv      float64 // one-cycle: final rate = initial/FinalDiv
}

// Validate checks the fields a kind uses.
func (s Schedule) Validate() error {
	switch s.Kind {
	case Constant, StepDecay, Cosine, OneCycle:
	default:
		return fmt.Errorf("optim: schedule %q is not one of %v", s.Kind, Kinds)
	}
	if !(s.Base > 0) || math.IsInf(s.Base, 0) {
		return fmt.Errorf("optim: base learning rate must be > 0, got %v", s.Base)
	}
	if s.StepsPerEpoch < 1 || s.TotalSteps < 1 {
		return fmt.Errorf("optim: schedule needs >= 1 step per epoch and in all, got %d and %d", s.StepsPerEpoch, s.TotalSteps)
	}
	switch s.Kind {
	case StepDecay:
		if s.Every < 1 || !(s.Factor > 0) {
			return fmt.Errorf("optim: step schedule needs every >= 1 and factor > 0, got %d and %v", s.Every, s.Factor)
		}
	case OneCycle:
		if !(s.PctStart > 0 && s.PctStart < 1) || !(s.DivFactor > 0) || !(s.FinalDiv > 0) {
			return fmt.Errorf("optim: one-cycle needs pct_start in (0, 1), div_factor > 0 and final_div_factor > 0")
		}
		if end1 := s.PctStart*float64(s.TotalSteps) - 1; end1 <= 0 || end1 >= float64(s.TotalSteps)-1 {
			return fmt.Errorf("optim: one-cycle over %d steps with pct_start %v leaves no rising or no falling phase", s.TotalSteps, s.PctStart)
		}
		if s.WarmupSteps > 0 {
			return fmt.Errorf("optim: one-cycle has its own warm-up (pct_start); warm-up steps must be 0")
		}
	}
	return nil
}

// At returns the learning rate of step (0-based).
func (s Schedule) At(step int64) float64 {
	if s.Kind == OneCycle {
		return s.oneCycle(step)
	}
	lr := s.Base
	switch s.Kind {
	case StepDecay:
		epoch := step / s.StepsPerEpoch
		lr = s.Base * math.Pow(s.Factor, float64(epoch/int64(s.Every)))
	case Cosine:
		span := s.TotalSteps - s.WarmupSteps
		t := min(max(step-s.WarmupSteps, 0), span)
		if span > 0 {
			lr = s.MinLR + (s.Base-s.MinLR)*(1+math.Cos(math.Pi*float64(t)/float64(span)))/2
		}
	}
	if step < s.WarmupSteps {
		lr *= float64(step+1) / float64(s.WarmupSteps)
	}
	return lr
}

// oneCycle follows torch.optim.lr_scheduler.OneCycleLR (anneal_strategy "cos", three_phase False):
// from Base/DivFactor up to Base over the first PctStart*TotalSteps-1 steps, then down to
// Base/DivFactor/FinalDiv at step TotalSteps-1.
func (s Schedule) oneCycle(step int64) float64 {
	initial := s.Base / s.DivFactor
	final := initial / s.FinalDiv
	end1 := s.PctStart*float64(s.TotalSteps) - 1
	end2 := float64(s.TotalSteps) - 1
	cos := func(start, end, pct float64) float64 { return end + (start-end)/2*(math.Cos(math.Pi*pct)+1) }
	t := min(float64(step), end2)
	if t <= end1 {
		return cos(initial, s.Base, t/end1)
	}
	return cos(s.Base, final, (t-end1)/(end2-end1))
}
