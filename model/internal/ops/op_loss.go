package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// weightedLoss combines scalar losses into total = main + weight*(aux[0] + aux[1] + ...), using gorgonia's
// stock Add and Mul (Mul by a scalar constant of main's dtype); both are covered by gradient checks. With
// no aux losses it returns main.
func weightedLoss(main *G.Node, aux []*G.Node, weight float64) (*G.Node, error) {
	if !main.IsScalar() {
		return nil, fmt.Errorf("model: weightedLoss: main loss must be a scalar, got shape %s", fmtShape(main.Shape()))
	}
	if len(aux) == 0 {
		return main, nil
	}
	sum := aux[0]
	for i, a := range aux {
		if !a.IsScalar() {
			return nil, fmt.Errorf("model: weightedLoss: aux loss %d must be a scalar, got shape %s", i, fmtShape(a.Shape()))
		}
		if i == 0 {
			continue
		}
		var err error
		if sum, err = G.Add(sum, a); err != nil {
			return nil, fmt.Errorf("model: weightedLoss: summing aux loss %d: %w", i, err)
		}
	}
	var w *G.Node
	switch dt := main.Dtype(); dt {
	case tensor.Float32:
		w = G.NewConstant(float32(weight))
	case tensor.Float64:
		w = G.NewConstant(weight)
	default:
		return nil, fmt.Errorf("model: weightedLoss: loss dtype must be float32 or float64, got %v", dt)
	}
	scaled, err := G.Mul(sum, w)
	if err != nil {
		return nil, fmt.Errorf("model: weightedLoss: scaling aux losses by %g: %w", weight, err)
	}
	total, err := G.Add(main, scaled)
	if err != nil {
		return nil, fmt.Errorf("model: weightedLoss: %w", err)
	}
	return total, nil
}
