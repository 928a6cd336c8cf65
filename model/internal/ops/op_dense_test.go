package ops

import (
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestDenseGrad(t *testing.T) {
	runGCBoth(t, []gcCase{{
		name:   "4d_input_relu",
		inputs: []gcInput{{name: "x", shape: []int{3, 2, 2, 3}}, {name: "w", shape: []int{5, 12}}, {name: "b", shape: []int{5}}},
		build:  func(in []*G.Node) (*G.Node, error) { return dense(in[0], in[1], in[2], true) },
	}, {
		name:   "4d_input_linear",
		inputs: []gcInput{{name: "x", shape: []int{2, 3, 1, 1}}, {name: "w", shape: []int{4, 3}}, {name: "b", shape: []int{4}}},
		build:  func(in []*G.Node) (*G.Node, error) { return dense(in[0], in[1], in[2], false) },
	}, {
		name:   "2d_input",
		inputs: []gcInput{{name: "x", shape: []int{4, 6}}, {name: "w", shape: []int{3, 6}}, {name: "b", shape: []int{3}}},
		build:  func(in []*G.Node) (*G.Node, error) { return dense(in[0], in[1], in[2], false) },
	}})
}

func TestDenseForwardMatchesReference(t *testing.T) {
	const n, c, h, w, out = 3, 2, 2, 3, 4
	in := c * h * w
	x, wt, b := randData(1, n*in), randData(2, out*in), randData(3, out)
	for _, relu := range []bool{false, true} {
		want := make([]float64, n*out)
		for i := 0; i < n; i++ {
			for o := 0; o < out; o++ {
				s := b[o]
				for j := 0; j < in; j++ { // x flattened in (C, H, W) order
					s += x[i*in+j] * wt[o*in+j]
				}
				if relu && s < 0 {
					s = 0
				}
				want[i*out+o] = s
			}
		}
		for _, dt := range bothDtypes {
			got := runForward(t, dt, []fwdInput{{[]int{n, c, h, w}, x}, {[]int{out, in}, wt}, {[]int{out}, b}},
				func(nodes []*G.Node) (*G.Node, error) { return dense(nodes[0], nodes[1], nodes[2], relu) })
			assertClose(t, got, want, fwdTol(dt))
		}
	}
}

func TestDenseErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 2, 2), G.WithName("x"))
	w := G.NewMatrix(g, tensor.Float64, G.WithShape(5, 11), G.WithName("w"))
	b := G.NewVector(g, tensor.Float64, G.WithShape(5), G.WithName("b"))
	if _, err := dense(x, w, b, false); err == nil || !strings.Contains(err.Error(), "weight w must be (Out, 12)") {
		t.Errorf("got %v", err)
	}
}
