package ops

import (
	"fmt"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"inceptionlab/model/arch"
)

type convCase struct {
	n, c, h, w, o, k, stride int
	pad                      [4]int
	relu                     bool
}

func (c convCase) String() string {
	return fmt.Sprintf("n%d_c%d_%dx%d_o%d_k%d_s%d_p%v_relu%t", c.n, c.c, c.h, c.w, c.o, c.k, c.stride, c.pad, c.relu)
}

var convCases = []convCase{
	{n: 2, c: 3, h: 5, w: 5, o: 4, k: 1, stride: 1},
	{n: 2, c: 3, h: 5, w: 6, o: 4, k: 1, stride: 1, relu: true},
	{n: 2, c: 2, h: 6, w: 6, o: 3, k: 1, stride: 2, relu: true},
	{n: 2, c: 2, h: 6, w: 5, o: 3, k: 3, stride: 1, pad: [4]int{1, 1, 1, 1}, relu: true},
	{n: 3, c: 2, h: 7, w: 7, o: 2, k: 3, stride: 2, pad: [4]int{0, 1, 0, 1}},
	{n: 2, c: 2, h: 6, w: 6, o: 3, k: 5, stride: 1, pad: [4]int{2, 2, 2, 2}, relu: true},
	{n: 2, c: 3, h: 8, w: 8, o: 2, k: 7, stride: 2, pad: [4]int{2, 3, 2, 3}, relu: true},
	{n: 2, c: 2, h: 8, w: 8, o: 2, k: 7, stride: 2, pad: [4]int{2, 3, 2, 3}},
	{n: 2, c: 2, h: 5, w: 7, o: 3, k: 3, stride: 1, pad: [4]int{0, 2, 1, 0}},
}

func TestConv2dGrad(t *testing.T) {
	var cases []gcCase
	for _, cc := range convCases {
		cc := cc
		cases = append(cases, gcCase{
			name: cc.String(),
			inputs: []gcInput{
				{name: "x", shape: []int{cc.n, cc.c, cc.h, cc.w}},
				{name: "w", shape: []int{cc.o, cc.c, cc.k, cc.k}},
				{name: "b", shape: []int{cc.o}},
			},
			build: func(in []*G.Node) (*G.Node, error) {
				// With a budget, so the batched cases check the column cache's gradient too.
				return conv2d(in[0], in[1], in[2], cc.stride, cc.pad, cc.relu, newColBudget(), nil)
			},
		})
	}
	runGCBoth(t, cases)
}

func TestConv2dForwardMatchesReference(t *testing.T) {
	cases := append([]convCase{
		{n: 3, c: 4, h: 9, w: 9, o: 5, k: 3, stride: 2, pad: [4]int{1, 1, 1, 1}, relu: true},
		{n: 1, c: 3, h: 16, w: 16, o: 4, k: 7, stride: 2, pad: [4]int{2, 3, 2, 3}},
		{n: 5, c: 6, h: 4, w: 4, o: 7, k: 1, stride: 1},
	}, convCases...)
	for _, cc := range cases {
		for _, dt := range bothDtypes {
			t.Run(cc.String()+"/"+dt.String(), func(t *testing.T) {
				x := randData(1, cc.n*cc.c*cc.h*cc.w)
				w := randData(2, cc.o*cc.c*cc.k*cc.k)
				b := randData(3, cc.o)
				want, _, _ := naiveConv(x, cc.n, cc.c, cc.h, cc.w, w, cc.o, cc.k, b, cc.stride, cc.pad, cc.relu)
				got := runForward(t, dt, []fwdInput{
					{[]int{cc.n, cc.c, cc.h, cc.w}, x}, {[]int{cc.o, cc.c, cc.k, cc.k}, w}, {[]int{cc.o}, b},
				}, func(in []*G.Node) (*G.Node, error) {
					return conv2d(in[0], in[1], in[2], cc.stride, cc.pad, cc.relu, nil, nil)
				})
				assertClose(t, got, want, fwdTol(dt))
			})
		}
	}
}

// TestConv2dSamePadShapes checks the output sizes of the network's TF 'SAME' convolutions.
func TestConv2dSamePadShapes(t *testing.T) {
	for _, tc := range []struct {
		size, k, stride int
		want            int
	}{{224, 7, 2, 112}, {225, 7, 2, 113}, {32, 7, 2, 16}, {56, 3, 1, 56}, {28, 5, 1, 28}, {28, 1, 1, 28}} {
		out, before, after := arch.SamePad(tc.size, tc.k, tc.stride)
		op := conv2dOp{stride: tc.stride, pad: [4]int{before, after, before, after}}
		s, err := op.InferShape(tensor.Shape{1, 3, tc.size, tc.size}, tensor.Shape{8, 3, tc.k, tc.k}, tensor.Shape{8})
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if s[2] != tc.want || s[3] != tc.want || out != tc.want {
			t.Errorf("%+v: got %v (SamePad out %d), want %d", tc, s, out, tc.want)
		}
	}
}

func TestConv2dShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		name          string
		x, w, b       []int
		stride        int
		pad           [4]int
		wantSubstring string
	}{
		{"x not 4-D", []int{2, 3, 8}, []int{4, 3, 3, 3}, []int{4}, 1, [4]int{}, "input x must be 4-D"},
		{"channels", []int{2, 3, 8, 8}, []int{4, 2, 3, 3}, []int{4}, 1, [4]int{}, "input has 3 channels but the filters expect 2"},
		{"non-square", []int{2, 3, 8, 8}, []int{4, 3, 3, 2}, []int{4}, 1, [4]int{}, "square kernel"},
		{"bias", []int{2, 3, 8, 8}, []int{4, 3, 3, 3}, []int{5}, 1, [4]int{}, "bias b must have shape (4)"},
		{"too small", []int{2, 3, 2, 2}, []int{4, 3, 5, 5}, []int{4}, 1, [4]int{1, 1, 1, 1}, "smaller than the 5x5 kernel"},
		{"stride", []int{2, 3, 8, 8}, []int{4, 3, 3, 3}, []int{4}, 0, [4]int{}, "stride must be >= 1"},
		{"pad", []int{2, 3, 8, 8}, []int{4, 3, 3, 3}, []int{4}, 1, [4]int{0, -1, 0, 0}, "pad[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float64, len(tc.x), G.WithShape(tc.x...), G.WithName("x"))
			w := G.NewTensor(g, tensor.Float64, len(tc.w), G.WithShape(tc.w...), G.WithName("w"))
			b := G.NewTensor(g, tensor.Float64, len(tc.b), G.WithShape(tc.b...), G.WithName("b"))
			_, err := conv2d(x, w, b, tc.stride, tc.pad, true, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.wantSubstring) || !strings.HasPrefix(err.Error(), "model: ") {
				t.Fatalf("got error %v, want one starting with \"model: \" containing %q", err, tc.wantSubstring)
			}
		})
	}
}

// TestOpHashesDiffer guards gorgonia's node deduplication: ops with different parameters must hash apart.
func TestOpHashesDiffer(t *testing.T) {
	ops := []G.Op{
		conv2dOp{stride: 1}, conv2dOp{stride: 2}, conv2dOp{stride: 1, relu: true},
		conv2dOp{stride: 1, pad: [4]int{1, 1, 1, 1}}, conv2dOp{stride: 1, pad: [4]int{1, 2, 1, 2}},
		convDataGradOp{stride: 1, x: [4]int{1, 2, 3, 3}}, convDataGradOp{stride: 1, x: [4]int{1, 2, 4, 4}},
		convFilterGradOp{k: 3, stride: 1}, convFilterGradOp{k: 5, stride: 1},
		maxPoolOp{k: 3, stride: 2}, maxPoolOp{k: 3, stride: 1}, maxPoolOp{k: 3, stride: 2, pad: [4]int{0, 1, 0, 1}},
		maxPoolGradOp{fwd: maxPoolOp{k: 3, stride: 2}},
		avgPoolOp{k: 5, stride: 3}, avgPoolOp{k: 5, stride: 2}, avgPoolOp{adaptive: true, oh: 4, ow: 4},
		avgPoolOp{adaptive: true, oh: 1, ow: 1},
		avgPoolGradOp{fwd: avgPoolOp{k: 5, stride: 3}, x: [4]int{1, 1, 8, 8}},
		concatOp{n: 2}, concatOp{n: 4}, channelSliceOp{start: 0, end: 2}, channelSliceOp{start: 2, end: 4},
		denseOp{xDims: 2}, denseOp{xDims: 4}, denseOp{xDims: 2, relu: true},
		&denseGradOp{wrtInput: true, x: []int{2, 3}}, &denseGradOp{x: []int{2, 3}},
		reluGradOp{dims: 4}, reluGradOp{dims: 2}, biasGradOp{dims: 4}, biasGradOp{dims: 2},
		softmaxCEOp{}, softmaxCEGradOp{}, softmaxCEOp{smooth: 0.1}, softmaxCEGradOp{smooth: 0.1},
		&dropoutOp{id: 1, rate: 0.5}, &dropoutOp{id: 2, rate: 0.5}, dropoutGradOp{fwd: &dropoutOp{id: 1, rate: 0.5}},
	}
	seen := map[uint32]string{}
	for _, op := range ops {
		h := op.Hashcode()
		if prev, ok := seen[h]; ok {
			t.Errorf("%v and %s share hash %d", op, prev, h)
		}
		seen[h] = op.String()
	}
}
