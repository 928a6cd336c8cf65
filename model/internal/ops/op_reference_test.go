package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Plain reference implementations (float64, written for clarity, not speed) and a helper that runs a
// forward graph, used by the forward-correctness tests of every op.

// naiveConv is the direct 7-loop convolution with zero padding (top, left taken from pad).
func naiveConv(x []float64, n, c, h, w int, wt []float64, o, k int, b []float64, stride int, pad [4]int, relu bool) (y []float64, oh, ow int) {
	oh = (h+pad[0]+pad[1]-k)/stride + 1
	ow = (w+pad[2]+pad[3]-k)/stride + 1
	y = make([]float64, n*o*oh*ow)
	for in := 0; in < n; in++ {
		for oc := 0; oc < o; oc++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := b[oc]
					for ic := 0; ic < c; ic++ {
						for kh := 0; kh < k; kh++ {
							for kw := 0; kw < k; kw++ {
								r, q := i*stride-pad[0]+kh, j*stride-pad[2]+kw
								if r < 0 || r >= h || q < 0 || q >= w {
									continue
								}
								s += x[((in*c+ic)*h+r)*w+q] * wt[((oc*c+ic)*k+kh)*k+kw]
							}
						}
					}
					if relu && s < 0 {
						s = 0
					}
					y[((in*o+oc)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return y, oh, ow
}

// naiveMaxPool pads with -inf and takes each window's maximum.
func naiveMaxPool(x []float64, n, c, h, w, k, stride int, pad [4]int) []float64 {
	oh := (h+pad[0]+pad[1]-k)/stride + 1
	ow := (w+pad[2]+pad[3]-k)/stride + 1
	var y []float64
	for p := 0; p < n*c; p++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				m := math.Inf(-1)
				for kh := 0; kh < k; kh++ {
					for kw := 0; kw < k; kw++ {
						r, q := i*stride-pad[0]+kh, j*stride-pad[2]+kw
						if r >= 0 && r < h && q >= 0 && q < w {
							m = math.Max(m, x[(p*h+r)*w+q])
						}
					}
				}
				y = append(y, m)
			}
		}
	}
	return y
}

// naiveAdaptive is PyTorch's adaptive average pool, with the window bounds computed in floating point.
func naiveAdaptive(x []float64, n, c, h, w, oh, ow int) []float64 {
	var y []float64
	for p := 0; p < n*c; p++ {
		for i := 0; i < oh; i++ {
			r0 := int(math.Floor(float64(i*h) / float64(oh)))
			r1 := int(math.Ceil(float64((i+1)*h) / float64(oh)))
			for j := 0; j < ow; j++ {
				c0 := int(math.Floor(float64(j*w) / float64(ow)))
				c1 := int(math.Ceil(float64((j+1)*w) / float64(ow)))
				s := 0.0
				for r := r0; r < r1; r++ {
					for q := c0; q < c1; q++ {
						s += x[(p*h+r)*w+q]
					}
				}
				y = append(y, s/float64((r1-r0)*(c1-c0)))
			}
		}
	}
	return y
}

// naiveAvgPool is the 'valid' k x k average pool.
func naiveAvgPool(x []float64, n, c, h, w, k, stride int) []float64 {
	oh, ow := (h-k)/stride+1, (w-k)/stride+1
	var y []float64
	for p := 0; p < n*c; p++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				s := 0.0
				for kh := 0; kh < k; kh++ {
					for kw := 0; kw < k; kw++ {
						s += x[(p*h+i*stride+kh)*w+j*stride+kw]
					}
				}
				y = append(y, s/float64(k*k))
			}
		}
	}
	return y
}

// fwdInput is one input of a forward-correctness run.
type fwdInput struct {
	shape []int
	data  []float64
}

// runForward builds out = build(inputs) in dtype dt, runs it once on a TapeMachine and returns the output.
func runForward(t *testing.T, dt tensor.Dtype, inputs []fwdInput, build func(in []*G.Node) (*G.Node, error)) []float64 {
	t.Helper()
	g := G.NewGraph()
	nodes := make([]*G.Node, len(inputs))
	for i, in := range inputs {
		nodes[i] = G.NewTensor(g, dt, len(in.shape), G.WithShape(in.shape...), G.WithName(string(rune('a'+i))),
			G.WithValue(denseFrom(dt, in.shape, in.data)))
	}
	out, err := build(nodes)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatalf("RunAll: %v", err)
	}
	return float64s(t, out.Value())
}

// assertClose fails t at the first index where got and want differ by more than tol*max(1, |want|).
func assertClose(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) || math.IsNaN(got[i]) {
			t.Fatalf("element %d: got %.9g, want %.9g (tol %g)", i, got[i], want[i], tol)
		}
	}
}

// fwdTol is the forward-comparison tolerance of a dtype.
func fwdTol(dt tensor.Dtype) float64 {
	if dt == tensor.Float32 {
		return 1e-5
	}
	return 1e-12
}

var bothDtypes = []tensor.Dtype{tensor.Float64, tensor.Float32}

func randData(seed uint64, n int) []float64 {
	return uniform(rand.New(rand.NewPCG(seed, 3)), n)
}
