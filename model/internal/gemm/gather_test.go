package gemm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// convGather is the Gather of a k x k, stride s convolution's column matrix over ns samples of c
// padded h x w planes (pad on every side) stored one after another in x.
func convGather(x []float32, ns, c, h, w, pad, k, s int) (g Gather[float32], oh, ow int) {
	ph, pw := h+2*pad, w+2*pad
	oh, ow = (ph-k)/s+1, (pw-k)/s+1
	for ch := 0; ch < c; ch++ {
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				g.RowOff = append(g.RowOff, int32(ch*ph*pw+ky*pw+kx))
			}
		}
	}
	for j := 0; j < ns; j++ {
		for y := 0; y < oh; y++ {
			for xo := 0; xo < ow; xo++ {
				g.ColOff = append(g.ColOff, int32(j*c*ph*pw+y*s*pw+xo*s))
			}
		}
	}
	g.X = x
	return g, oh, ow
}

// TestGemmPackedGatherMatchesTheMatrix: a product whose B is a Gather gives, bit for bit, the same
// product on the gathered matrix, in place with bias and ReLU (GemmPackedGather) and scattered to
// NCHW samples (GemmPackedGatherToSamples), over edge panels, several k slices, strides 1 and 2 (runs
// of every length) and 1 or 2 workers.
func TestGemmPackedGatherMatchesTheMatrix(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, d := range []struct{ m, ns, c, h, pad, k, s int }{
		{16, 1, 3, 9, 1, 3, 1}, {64, 4, 32, 6, 2, 5, 1}, {7, 3, 5, 13, 1, 3, 2}, {30, 2, 40, 4, 1, 3, 1}, {12, 5, 2, 3, 0, 1, 1},
	} {
		for _, workers := range []int{1, 2} {
			for _, relu := range []bool{false, true} {
				t.Run(fmt.Sprintf("m%d,ns%d,c%d,h%d,k%d,s%d,w%d,relu=%t", d.m, d.ns, d.c, d.h, d.k, d.s, workers, relu), func(t *testing.T) {
					ph := d.h + 2*d.pad
					x := noisy(rng, make([]float64, d.ns*d.c*ph*ph+3))
					g, oh, ow := convGather(x, d.ns, d.c, d.h, d.h, d.pad, d.k, d.s)
					kk, n, p := len(g.RowOff), len(g.ColOff), oh*ow
					b := g.matrix()
					defer putScratch(b)
					for r := range kk { // the fallback's matrix is the gather, element by element
						for j := range n {
							if (*b)[r*n+j] != x[int(g.RowOff[r])+int(g.ColOff[j])] {
								t.Fatalf("matrix[%d][%d] is not the gathered value", r, j)
							}
						}
					}
					a := noisy(rng, make([]float64, d.m*kk))
					pa := PackA(false, d.m, kk, float32(1), a, kk)
					defer pa.Release()
					bias := noisy(rng, make([]float64, d.m))
					for i := range bias {
						bias[i] -= 0.5 * float32(kk)
					}

					want := make([]float32, d.m*n)
					GemmPackedBiasAct(pa, workers, false, n, *b, n, want, n, bias, relu)
					got := noisy(rng, make([]float64, d.m*n))
					GemmPackedGather(pa, workers, g, got, n, bias, relu)
					if !slices.Equal(got, want) {
						t.Fatal("GemmPackedGather differs from GemmPackedBiasAct on the gathered matrix")
					}
					if !relu {
						GemmPacked(pa, workers, false, n, *b, n, 0, want, n)
						GemmPackedGather(pa, workers, g, got, n, nil, false)
						if !slices.Equal(got, want) {
							t.Fatal("GemmPackedGather without bias differs from GemmPacked")
						}
					}

					outSize := d.m*p + 1
					wantY := noisy(rng, make([]float64, (d.ns-1)*outSize+d.m*p))
					gotY := append([]float32(nil), wantY...)
					scratch := make([]float32, d.m*n)
					GemmPackedToSamples(pa, workers, n, *b, n, nil, 0, scratch, wantY, p, outSize, bias, relu)
					GemmPackedGatherToSamples(pa, workers, g, noisy(rng, make([]float64, d.m*n)), gotY, p, outSize, bias, relu)
					if !slices.Equal(gotY, wantY) {
						t.Fatal("GemmPackedGatherToSamples differs from GemmPackedToSamples on the gathered matrix")
					}
				})
			}
		}
	}
}

// A float64 product has no packed form: the Gather is gathered into a matrix and the result is the
// plain product's.
func TestGemmPackedGatherFloat64(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	g := Gather[float64]{X: x, RowOff: []int32{0, 3}, ColOff: []int32{0, 1, 5}} // B = [1 2 6; 4 5 9]
	a := []float64{1, 10, -1, 0}                                                // A = [1 10; -1 0]
	pa := PackA(false, 2, 2, 1.0, a, 2)
	defer pa.Release()
	c := make([]float64, 6)
	GemmPackedGather(pa, 1, g, c, 3, []float64{0, 1}, true)
	if want := []float64{41, 52, 96, 0, 0, 0}; !slices.Equal(c, want) { // row 2: -B row 1 + 1, ReLU
		t.Errorf("C = %v, want %v", c, want)
	}
}

// Offsets that read outside X, or the wrong number of them, are a panic naming the problem, never
// a silent read of other memory.
func TestGatherChecks(t *testing.T) {
	pa := PackA(false, 1, 2, float32(1), []float32{1, 1}, 2)
	defer pa.Release()
	for _, tc := range []struct {
		name string
		g    Gather[float32]
		want string
	}{
		{"past the end", Gather[float32]{X: make([]float32, 4), RowOff: []int32{0, 2}, ColOff: []int32{0, 2}}, "outside 4 values"},
		{"negative", Gather[float32]{X: make([]float32, 4), RowOff: []int32{-1, 0}, ColOff: []int32{0}}, "outside 4 values"},
		{"rows", Gather[float32]{X: make([]float32, 4), RowOff: []int32{0}, ColOff: []int32{0}}, "1 row and 1 column offsets for a 2 x 1 matrix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) {
					t.Errorf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			GemmPackedGather(pa, 1, tc.g, make([]float32, 4), 2, nil, false)
		})
	}
}
