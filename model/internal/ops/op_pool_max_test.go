package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

type poolCase struct {
	n, c, h, w, k, stride int
	pad                   [4]int
}

func (p poolCase) String() string {
	return fmt.Sprintf("n%d_c%d_%dx%d_k%d_s%d_p%v", p.n, p.c, p.h, p.w, p.k, p.stride, p.pad)
}

var maxPoolCases = []poolCase{
	{n: 2, c: 2, h: 6, w: 6, k: 3, stride: 2, pad: [4]int{0, 1, 0, 1}}, // TF SAME 3/2 on an even map
	{n: 2, c: 2, h: 7, w: 7, k: 3, stride: 2, pad: [4]int{1, 1, 1, 1}}, // TF SAME 3/2 on an odd map
	{n: 2, c: 3, h: 5, w: 5, k: 3, stride: 1, pad: [4]int{1, 1, 1, 1}}, // inception pool branch
	{n: 2, c: 3, h: 2, w: 2, k: 3, stride: 1, pad: [4]int{1, 1, 1, 1}}, // windows cover the whole plane
	{n: 3, c: 2, h: 1, w: 1, k: 3, stride: 1, pad: [4]int{1, 1, 1, 1}}, // 1x1 map: identity
	{n: 3, c: 1, h: 5, w: 6, k: 2, stride: 2},
}

func TestMaxPool2dGrad(t *testing.T) {
	var cases []gcCase
	for _, pc := range maxPoolCases {
		pc := pc
		cases = append(cases, gcCase{
			name:   pc.String(),
			inputs: []gcInput{{name: "x", shape: []int{pc.n, pc.c, pc.h, pc.w}, gen: distinct}},
			build:  func(in []*G.Node) (*G.Node, error) { return maxPool2d(in[0], pc.k, pc.stride, pc.pad) },
		})
	}
	runGCBoth(t, cases)
}

func TestMaxPool2dForwardMatchesReference(t *testing.T) {
	cases := append([]poolCase{
		{n: 2, c: 3, h: 8, w: 8, k: 3, stride: 2, pad: [4]int{0, 1, 0, 1}},
		{n: 1, c: 2, h: 9, w: 7, k: 3, stride: 2, pad: [4]int{1, 1, 0, 0}},
		{n: 1, c: 1, h: 4, w: 4, k: 4, stride: 1, pad: [4]int{3, 3, 3, 3}},
		{n: 2, c: 3, h: 2, w: 2, k: 3, stride: 1, pad: [4]int{1, 1, 1, 1}},
		{n: 2, c: 2, h: 1, w: 1, k: 3, stride: 1, pad: [4]int{1, 1, 1, 1}},
		{n: 1, c: 2, h: 2, w: 3, k: 2, stride: 1, pad: [4]int{0, 1, 1, 1}},
	}, maxPoolCases...)
	for _, pc := range cases {
		for _, dt := range bothDtypes {
			t.Run(pc.String()+"/"+dt.String(), func(t *testing.T) {
				// all negative inputs: a zero-padded pool would wrongly return 0 at the borders
				x := randData(5, pc.n*pc.c*pc.h*pc.w)
				for i := range x {
					x[i] = -1.5 + 0.5*x[i]
				}
				want := naiveMaxPool(x, pc.n, pc.c, pc.h, pc.w, pc.k, pc.stride, pc.pad)
				got := runForward(t, dt, []fwdInput{{[]int{pc.n, pc.c, pc.h, pc.w}, x}},
					func(in []*G.Node) (*G.Node, error) { return maxPool2d(in[0], pc.k, pc.stride, pc.pad) })
				assertClose(t, got, want, fwdTol(dt))
			})
		}
	}
}

// TestMaxPool2dTiesGoToFirst checks that the gradient of a window with several maxima goes to the first
// one in row-major window order.
func TestMaxPool2dTiesGoToFirst(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 1, 2, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 3, 3, 3}))))
	y, err := maxPool2d(x, 2, 2, [4]int{})
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.Reshape(y, tensor.Shape{1})), 0))
	grads, err := G.Grad(loss, x)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	got := float64s(t, grads[0].Value())
	want := []float64{0, 1, 0, 0}
	assertClose(t, got, want, 0)
}

func TestMaxPool2dErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		x     []int
		k, s  int
		pad   [4]int
		wantS string
	}{
		{"pad >= k", []int{1, 1, 5, 5}, 3, 1, [4]int{3, 0, 0, 0}, "pad[0] (top, bottom, left, right) must be in [0, 3)"},
		{"3-D", []int{1, 5, 5}, 3, 1, [4]int{}, "must be 4-D"},
		{"too small", []int{1, 1, 2, 2}, 3, 1, [4]int{}, "smaller than the 3x3 window"},
		{"stride", []int{1, 1, 5, 5}, 3, 0, [4]int{}, "stride must be >= 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float32, len(tc.x), G.WithShape(tc.x...), G.WithName("x"))
			_, err := maxPool2d(x, tc.k, tc.s, tc.pad)
			if err == nil || !strings.Contains(err.Error(), tc.wantS) || !strings.HasPrefix(err.Error(), "model: ") {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantS)
			}
		})
	}
}

// TestMaxPoolArgmaxMatchesScan checks the separable and whole-plane forward kernels against the plain
// window scan (argmax) on inputs full of ties, where only the first-maximum rule decides.
func TestMaxPoolArgmaxMatchesScan(t *testing.T) {
	for _, tc := range []struct {
		h, w, k, stride int
		pad             [4]int
	}{
		{7, 7, 3, 2, [4]int{1, 1, 1, 1}}, {6, 5, 3, 1, [4]int{1, 1, 1, 1}}, {8, 8, 3, 2, [4]int{0, 1, 0, 1}},
		{2, 2, 3, 1, [4]int{1, 1, 1, 1}}, {1, 1, 3, 1, [4]int{1, 1, 1, 1}}, {5, 6, 2, 2, [4]int{}},
	} {
		g, err := newMaxPoolGeom(maxPoolOp{}, []int{2, 3, tc.h, tc.w}, tc.k, tc.stride, tc.pad)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 2*3*tc.h*tc.w)
		negZero := float32(math.Copysign(0, -1))
		vals := []float32{0, 1, negZero, -1, -0.5} // ties, signed zeros, negative values
		for i := range x {
			x[i] = float32((i * 7919 % 13) % 2) // zeros and ones: many tied maxima
			if i%3 == 1 {
				x[i] = vals[(i*31)%len(vals)]
			}
		}
		if tc.h%2 == 0 { // some planes entirely negative (or -0): the maxima are then negative
			for i := range x {
				x[i] = -x[i]
			}
		}
		n := g.n * g.c * g.oh * g.ow
		y, idx := make([]float32, n), make([]int32, n)
		maxPoolForward(g, x, y, idx, nil)
		hw, ohw := g.h*g.w, g.oh*g.ow
		for p := 0; p < g.n*g.c; p++ {
			plane := x[p*hw : (p+1)*hw]
			for i := 0; i < g.oh; i++ {
				for j := 0; j < g.ow; j++ {
					o := p*ohw + i*g.ow + j
					if want := argmax(g, plane, i, j); int(idx[o]) != want || y[o] != plane[want] {
						t.Fatalf("%+v plane %d output (%d,%d): argmax %d value %v, window scan gives %d (%v)", tc, p, i, j, idx[o], y[o], want, plane[want])
					}
				}
			}
		}
	}
}

// TestMaxPoolKeptArgmaxTypes runs a max pool whose forward pass keeps its argmaxes (as in a training
// graph) and checks the gradient against the same op's with nothing kept (argmaxes recomputed from x):
// bit for bit, for planes whose indices fit in uint16 (kept as uint16) and for a plane too large for
// that (257x257 = 66,049 positions, kept as int32), in float32 and float64.
func TestMaxPoolKeptArgmaxTypes(t *testing.T) {
	for _, tc := range []struct {
		n, c, h, w int
		short      bool
	}{{2, 3, 9, 9, true}, {1, 2, 256, 256, true}, {1, 1, 257, 257, false}} {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			shape := []int{tc.n, tc.c, tc.h, tc.w}
			pad := [4]int{0, 1, 0, 1}
			var keptArgs kept
			keeping := maxPoolOp{k: 3, stride: 2, pad: pad, owned: newOwned()}
			keeping.slot.argmax = &keptArgs
			plain := maxPoolOp{k: 3, stride: 2, pad: pad}
			g, err := newMaxPoolGeom(plain, shape, 3, 2, pad)
			if err != nil {
				t.Fatal(err)
			}
			if g.shortArgmax() != tc.short {
				t.Fatalf("%v: shortArgmax = %t, want %t", shape, g.shortArgmax(), tc.short)
			}
			rng := rand.New(rand.NewPCG(uint64(tc.h), 3))
			x := tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
			dy := tensor.New(tensor.WithShape(tc.n, tc.c, g.oh, g.ow), tensor.Of(dt))
			fill := func(d *tensor.Dense) {
				switch s := d.Data().(type) {
				case []float32:
					for i := range s {
						s[i] = float32(rng.IntN(5)) // ties
					}
				case []float64:
					for i := range s {
						s[i] = float64(rng.IntN(5))
					}
				}
			}
			fill(x)
			fill(dy)
			var dxs []G.Value
			for _, op := range []maxPoolOp{keeping, plain} {
				if _, err := op.run(nil, []G.Value{x}); err != nil {
					t.Fatal(err)
				}
				dx, err := maxPoolGradOp{fwd: op}.run(nil, []G.Value{x, dy})
				if err != nil {
					t.Fatal(err)
				}
				dxs = append(dxs, dx)
			}
			_, isShort := keptArgs.buf.([]uint16)
			if isShort != tc.short {
				t.Errorf("%v %v: argmaxes kept as uint16: %t, want %t", shape, dt, isShort, tc.short)
			}
			if !reflect.DeepEqual(dxs[0].Data(), dxs[1].Data()) {
				t.Errorf("%v %v: gradient with kept argmaxes differs from the recomputed one", shape, dt)
			}
		}
	}
}
