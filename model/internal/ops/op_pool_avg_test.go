package ops

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

type avgCase struct {
	name       string
	n, c, h, w int
	adaptive   bool
	k, stride  int // valid
	oh, ow     int // adaptive
}

func (a avgCase) build(x *G.Node) (*G.Node, error) {
	if a.adaptive {
		return adaptiveAvgPool2d(x, a.oh, a.ow)
	}
	return avgPool2d(x, a.k, a.stride)
}

func (a avgCase) ref(x []float64) []float64 {
	if a.adaptive {
		return naiveAdaptive(x, a.n, a.c, a.h, a.w, a.oh, a.ow)
	}
	return naiveAvgPool(x, a.n, a.c, a.h, a.w, a.k, a.stride)
}

var avgCases = []avgCase{
	{name: "avg5s3_8x8", n: 2, c: 2, h: 8, w: 8, k: 5, stride: 3},
	{name: "avg5s3_5x5", n: 2, c: 2, h: 5, w: 5, k: 5, stride: 3},
	{name: "avg5s3_14x14", n: 1, c: 2, h: 14, w: 14, k: 5, stride: 3},
	{name: "adaptive_5x5_to_4x4", n: 2, c: 2, h: 5, w: 5, adaptive: true, oh: 4, ow: 4},
	{name: "adaptive_2x2_to_4x4", n: 2, c: 3, h: 2, w: 2, adaptive: true, oh: 4, ow: 4},
	{name: "adaptive_7x7_to_1x1", n: 2, c: 3, h: 7, w: 7, adaptive: true, oh: 1, ow: 1},
	{name: "adaptive_3x6_to_2x4", n: 1, c: 2, h: 3, w: 6, adaptive: true, oh: 2, ow: 4},
}

func TestAvgPoolGrad(t *testing.T) {
	var cases []gcCase
	for _, ac := range avgCases {
		ac := ac
		cases = append(cases, gcCase{
			name:   ac.name,
			inputs: []gcInput{{name: "x", shape: []int{ac.n, ac.c, ac.h, ac.w}}},
			build:  func(in []*G.Node) (*G.Node, error) { return ac.build(in[0]) },
		})
	}
	runGCBoth(t, cases)
}

func TestAvgPoolForwardMatchesReference(t *testing.T) {
	for _, ac := range avgCases {
		for _, dt := range bothDtypes {
			t.Run(fmt.Sprintf("%s/%v", ac.name, dt), func(t *testing.T) {
				x := randData(9, ac.n*ac.c*ac.h*ac.w)
				got := runForward(t, dt, []fwdInput{{[]int{ac.n, ac.c, ac.h, ac.w}, x}},
					func(in []*G.Node) (*G.Node, error) { return ac.build(in[0]) })
				assertClose(t, got, ac.ref(x), fwdTol(dt))
			})
		}
	}
}

// TestAdaptiveKnownValues pins PyTorch's semantics with hand-computed outputs.
func TestAdaptiveKnownValues(t *testing.T) {
	for _, tc := range []struct {
		name         string
		h, w, oh, ow int
		x, want      []float64
	}{
		{"2x2 to 4x4 replicates", 2, 2, 4, 4, []float64{1, 2, 3, 4},
			[]float64{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}},
		{"3x3 to 2x2 overlaps", 3, 3, 2, 2, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9},
			// windows rows/cols [0,2) and [1,3)
			[]float64{(1 + 2 + 4 + 5) / 4.0, (2 + 3 + 5 + 6) / 4.0, (4 + 5 + 7 + 8) / 4.0, (5 + 6 + 8 + 9) / 4.0}},
		{"global", 2, 3, 1, 1, []float64{1, 2, 3, 4, 5, 6}, []float64{3.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runForward(t, tensor.Float64, []fwdInput{{[]int{1, 1, tc.h, tc.w}, tc.x}},
				func(in []*G.Node) (*G.Node, error) { return adaptiveAvgPool2d(in[0], tc.oh, tc.ow) })
			assertClose(t, got, tc.want, 1e-15)
		})
	}
}

func TestAvgPoolErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 2, 4, 4), G.WithName("x"))
	if _, err := avgPool2d(x, 5, 3); err == nil || !strings.Contains(err.Error(), "smaller than the 5x5 window") {
		t.Errorf("avgPool2d 5/3 on 4x4: got %v", err)
	}
	if _, err := adaptiveAvgPool2d(x, 0, 4); err == nil || !strings.Contains(err.Error(), "output size must be >= 1") {
		t.Errorf("adaptive to 0x4: got %v", err)
	}
}

// TestAvgPoolFlatTablesBitIdentical checks the flat-table kernels against the per-window loop nest
// they replaced, bit for bit in float32 (the same sums in the same order), forward and backward.
func TestAvgPoolFlatTablesBitIdentical(t *testing.T) {
	for _, ac := range avgCases {
		t.Run(ac.name, func(t *testing.T) {
			op := avgPoolOp{adaptive: ac.adaptive, k: ac.k, stride: ac.stride, oh: ac.oh, ow: ac.ow}
			tb, err := op.tables([]int{ac.n, ac.c, ac.h, ac.w})
			if err != nil {
				t.Fatal(err)
			}
			hw, ohw := ac.h*ac.w, tb.oh()*tb.ow()
			x, dy := noisy32(11, ac.n*ac.c*hw), noisy32(12, ac.n*ac.c*ohw)
			y, dx := make([]float32, len(dy)), make([]float32, len(x))
			avgPoolForward(tb, x, y)
			avgPoolBackward(tb, dy, dx)
			wantY, wantDx := make([]float32, len(dy)), make([]float32, len(x))
			for p := 0; p < ac.n*ac.c; p++ {
				plane, out, grad, back := x[p*hw:(p+1)*hw], wantY[p*ohw:(p+1)*ohw], dy[p*ohw:(p+1)*ohw], wantDx[p*hw:(p+1)*hw]
				for i := range tb.r0 {
					for j := range tb.c0 {
						var s float32
						area := float32((tb.r1[i] - tb.r0[i]) * (tb.c1[j] - tb.c0[j]))
						g := grad[i*tb.ow()+j] / area
						for r := tb.r0[i]; r < tb.r1[i]; r++ {
							for c := tb.c0[j]; c < tb.c1[j]; c++ {
								s += plane[r*ac.w+c]
								back[r*ac.w+c] += g
							}
						}
						out[i*tb.ow()+j] = s / area
					}
				}
			}
			for i := range y {
				if y[i] != wantY[i] {
					t.Fatalf("y[%d] = %v, loop nest %v", i, y[i], wantY[i])
				}
			}
			for i := range dx {
				if dx[i] != wantDx[i] {
					t.Fatalf("dx[%d] = %v, loop nest %v", i, dx[i], wantDx[i])
				}
			}
		})
	}
}

// noisy32 returns n float32 values with fractional parts, so that sums round.
func noisy32(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}
