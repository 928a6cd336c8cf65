package experiments

import (
	"slices"

	"inceptionlab/model/arch"
)

// FashionMNISTClasses is the number of classes of the embedded and fashion-mnist sources (the data
// package's FashionMNISTClasses names them; a runner test checks the two agree).
const FashionMNISTClasses = 10

// ModelSpec translates the model section into the network description for data with numClasses
// classes (model.num_classes, when set, takes precedence; the runner checks that it agrees with the data).
func (e *Experiment) ModelSpec(numClasses int) arch.Spec {
	m := e.Model
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
		Blocks:     slices.Clone(m.Inception.Blocks),
		Aux: arch.AuxSpec{Enabled: m.Aux.Enabled, Weight: m.Aux.Weight,
			After: slices.Clone(m.Aux.After), Dropout: m.Aux.Dropout},
		Dropout: m.Dropout,
		Init:    m.Init,
	}
}

// SpecForConfig returns the network of the config without loading its data: the number of classes comes
// from model.num_classes, or from the data source when it is known without reading it (10 for the
// Fashion-MNIST sources). A folder source needs model.num_classes (or fallback, e.g. 5 for the
// tutorial's flowers) because counting its classes means scanning it.
func (e *Experiment) SpecForConfig(fallback int) arch.Spec {
	n := e.Model.NumClasses
	if n == 0 {
		switch e.Data.Source {
		case "embedded", "fashion-mnist", "":
			n = FashionMNISTClasses
		default:
			n = fallback
		}
	}
	return e.ModelSpec(n)
}
