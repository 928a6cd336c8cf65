package ops

import (
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestConcatChannelsGrad(t *testing.T) {
	runGCBoth(t, []gcCase{{
		name: "four_branches",
		inputs: []gcInput{
			{name: "a", shape: []int{2, 1, 3, 3}}, {name: "b", shape: []int{2, 3, 3, 3}},
			{name: "c", shape: []int{2, 2, 3, 3}}, {name: "d", shape: []int{2, 1, 3, 3}},
		},
		build: func(in []*G.Node) (*G.Node, error) { return concatChannels(in...) },
	}, {
		// the same node twice: its gradient is the sum of both channel ranges
		name:   "repeated_input",
		inputs: []gcInput{{name: "a", shape: []int{2, 2, 2, 3}}},
		build:  func(in []*G.Node) (*G.Node, error) { return concatChannels(in[0], in[0]) },
	}})
}

func TestConcatChannelsForward(t *testing.T) {
	for _, dt := range bothDtypes {
		t.Run(dt.String(), func(t *testing.T) {
			a := []float64{1, 2, 3, 4, 5, 6, 7, 8}         // (2, 1, 2, 2)
			b := []float64{10, 11, 12, 13, 14, 15, 16, 17, // (2, 2, 2, 2)
				20, 21, 22, 23, 24, 25, 26, 27}
			got := runForward(t, dt, []fwdInput{{[]int{2, 1, 2, 2}, a}, {[]int{2, 2, 2, 2}, b}},
				func(in []*G.Node) (*G.Node, error) { return concatChannels(in...) })
			want := []float64{1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 16, 17,
				5, 6, 7, 8, 20, 21, 22, 23, 24, 25, 26, 27}
			assertClose(t, got, want, 0)
		})
	}
}

func TestConcatChannelsErrors(t *testing.T) {
	g := G.NewGraph()
	a := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 1, 3, 3), G.WithName("a"))
	b := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 1, 4, 3), G.WithName("b"))
	if _, err := concatChannels(a, b); err == nil || !strings.Contains(err.Error(), "input 1 has shape (2, 1, 4, 3)") {
		t.Errorf("got %v", err)
	}
	if _, err := concatChannels(); err == nil {
		t.Error("no inputs: want an error")
	}
	if y, err := concatChannels(a); err != nil || y != a {
		t.Errorf("single input: got %v, %v; want the input itself", y, err)
	}
}
