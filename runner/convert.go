package runner

import (
	"fmt"
	"math"

	"inceptionlab/data"
	"inceptionlab/experiments"
	"inceptionlab/model"
	"inceptionlab/model/arch"
)

// ModelSpec translates an experiment's model section into the network description, for data with
// inChannels channels and numClasses classes (model.num_classes, when set, must agree; see checkClasses).
func ModelSpec(e *experiments.Experiment, numClasses int) arch.Spec {
	m := e.Model
	blocks := make([]arch.BlockSpec, len(m.Inception.Blocks))
	for i, b := range m.Inception.Blocks {
		blocks[i] = arch.BlockSpec{Name: b.Name, Ch1x1: b.Ch1x1, Ch3x3Red: b.Ch3x3Red, Ch3x3: b.Ch3x3,
			Ch5x5Red: b.Ch5x5Red, Ch5x5: b.Ch5x5, PoolProj: b.PoolProj}
	}
	if m.NumClasses > 0 {
		numClasses = m.NumClasses
	}
	return arch.Spec{
		InChannels: e.Data.Channels,
		ImageSize:  e.Data.ImageSize,
		NumClasses: numClasses,
		Width:      m.Width,
		Reduce:     m.Inception.Reduce,
		PoolProj:   m.Inception.PoolProj,
		Blocks:     blocks,
		Aux: arch.AuxSpec{Enabled: m.Aux.Enabled, Weight: m.Aux.Weight,
			After: append([]string(nil), m.Aux.After...), Dropout: m.Aux.Dropout},
		Dropout: m.Dropout,
		Init:    m.Init,
	}
}

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
		Mean:        append([]float64(nil), d.Normalize.Mean...),
		Std:         append([]float64(nil), d.Normalize.Std...),
		SkipBad:     d.SkipBad,
		Limit:       d.Limit,
		TestLimit:   d.TestLimit,
		Seed:        e.Seed,
		Workers:     d.Workers,
	}
}

// SpecForConfig returns the network of a config without loading its data: the number of classes comes
// from model.num_classes, or from the data source when it is known without reading it (10 for the
// Fashion-MNIST sources). A folder source needs model.num_classes (or fallback, e.g. 5 for the
// tutorial's flowers) because counting its classes means scanning it.
func SpecForConfig(e *experiments.Experiment, fallback int) arch.Spec {
	n := e.Model.NumClasses
	if n == 0 {
		switch e.Data.Source {
		case "embedded", "fashion-mnist", "":
			n = len(data.FashionMNISTClasses)
		default:
			n = fallback
		}
	}
	return ModelSpec(e, n)
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
