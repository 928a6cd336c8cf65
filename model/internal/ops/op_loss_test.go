package ops

import (
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestWeightedLossGrad checks the loss combination (stock Add and Mul by a scalar constant) end to end
// through three cross-entropy heads.
func TestWeightedLossGrad(t *testing.T) {
	heads := func(in []*G.Node) ([]*G.Node, error) {
		var out []*G.Node
		for i := 0; i < 3; i++ {
			l, err := softmaxCrossEntropy(in[i], in[3])
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
		return out, nil
	}
	inputs := []gcInput{
		{name: "main", shape: []int{3, 4}, gen: scaled(2)}, {name: "aux1", shape: []int{3, 4}, gen: scaled(2)},
		{name: "aux2", shape: []int{3, 4}, gen: scaled(2)}, {name: "labels", shape: []int{3}, gen: labelGen(4), noGrad: true},
	}
	runGCBoth(t, []gcCase{{
		name:   "main_plus_0.3_aux",
		inputs: inputs,
		build: func(in []*G.Node) (*G.Node, error) {
			h, err := heads(in)
			if err != nil {
				return nil, err
			}
			return weightedLoss(h[0], h[1:], 0.3)
		},
	}})
}

func TestWeightedLossValue(t *testing.T) {
	labels := []float64{0, 2}
	for _, dt := range bothDtypes {
		got := runForward(t, dt, []fwdInput{{[]int{2, 3}, randData(1, 6)}, {[]int{2, 3}, randData(2, 6)}, {[]int{2, 3}, randData(3, 6)}, {[]int{2}, labels}},
			func(in []*G.Node) (*G.Node, error) {
				var h []*G.Node
				for i := 0; i < 3; i++ {
					l, err := softmaxCrossEntropy(in[i], in[3])
					if err != nil {
						return nil, err
					}
					h = append(h, l)
				}
				return weightedLoss(h[0], h[1:], 0.3)
			})
		// independent value: each head's loss computed in its own graph
		var ce []float64
		for i := 0; i < 3; i++ {
			ce = append(ce, runForward(t, dt, []fwdInput{{[]int{2, 3}, randData(uint64(i+1), 6)}, {[]int{2}, labels}},
				func(in []*G.Node) (*G.Node, error) { return softmaxCrossEntropy(in[0], in[1]) })[0])
		}
		if want := ce[0] + 0.3*(ce[1]+ce[2]); math.Abs(got[0]-want) > 1e-5 {
			t.Errorf("%v: total %g, want %g", dt, got[0], want)
		}
	}
}

func TestWeightedLossEdges(t *testing.T) {
	g := G.NewGraph()
	main := G.NewScalar(g, tensor.Float64, G.WithName("main"))
	if got, err := weightedLoss(main, nil, 0.3); err != nil || got != main {
		t.Errorf("no aux: got %v, %v; want main itself", got, err)
	}
	v := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("v"))
	if _, err := weightedLoss(main, []*G.Node{v}, 0.3); err == nil || !strings.Contains(err.Error(), "aux loss 0 must be a scalar") {
		t.Errorf("vector aux: got %v", err)
	}
	if _, err := weightedLoss(v, nil, 0.3); err == nil || !strings.Contains(err.Error(), "main loss must be a scalar") {
		t.Errorf("vector main: got %v", err)
	}
}
