package runner

import (
	"fmt"
	"math"

	"inceptionlab/data"
	"inceptionlab/experiments"
	"inceptionlab/model"
)

// DataConfig translates an experiment's data section into the data package's configuration.
func DataConfig(e *experiments.Experiment) data.Config {
	d := e.Data
	return data.Config{
		Source:      d.Source,
		Path:        d.Path,
		ImageSize:   d.ImageSize,
		Channels:    d.Channels,
		ValFraction: d.Split.Val,
		HFlip:       d.Augment.HFlip,
		CropPad:     d.Augment.CropPad,
		Erase:       d.Augment.Erase,
		Resize:      d.Resize,
		Mean:        append([]float64(nil), d.Normalize.Mean...),
		Std:         append([]float64(nil), d.Normalize.Std...),
		SkipBad:     d.SkipBad,
		Limit:       d.Limit,
		TestLimit:   d.TestLimit,
		Seed:        e.Seed,
		Workers:     d.Workers,
	}
}

// TrainOptions translates an experiment's train section into how the net trains. Momentum and
// Nesterov reach only SGD (the other optimizers ignore them, as documented).
func TrainOptions(e *experiments.Experiment) model.TrainOptions {
	t := e.Train
	o := model.TrainOptions{Optimizer: t.Optimizer, WeightDecay: t.WeightDecay,
		LabelSmoothing: t.LabelSmoothing, EMADecay: t.EMA.Decay}
	if t.Optimizer == model.OptSGD {
		o.Momentum, o.Nesterov = t.Momentum, t.Nesterov
	}
	return o
}

// LRSchedule returns the learning-rate schedule of a trial whose epochs take stepsPerEpoch optimizer
// steps, or an error naming the train.schedule key when the run is too short for it.
func LRSchedule(e *experiments.Experiment, stepsPerEpoch int) (model.Schedule, error) {
	t := e.Train
	s := model.Schedule{
		Kind:          t.Schedule.Type,
		Base:          t.LR,
		StepsPerEpoch: int64(stepsPerEpoch),
		TotalSteps:    int64(stepsPerEpoch) * int64(t.Epochs),
		Every:         t.Schedule.Every,
		Factor:        t.Schedule.Factor,
		WarmupSteps:   int64(math.Round(t.Schedule.WarmupEpochs * float64(stepsPerEpoch))),
		MinLR:         t.Schedule.MinLR,
		PctStart:      t.Schedule.PctStart,
		DivFactor:     t.Schedule.DivFactor,
		FinalDiv:      t.Schedule.FinalDivFactor,
	}
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("runner: train.schedule (%d steps per epoch, %d epochs): %w", stepsPerEpoch, t.Epochs, err)
	}
	return s, nil
}
