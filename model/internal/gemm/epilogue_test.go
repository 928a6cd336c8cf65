package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestScatterTileMatchesRuns checks the batched-convolution epilogue's AVX-512 scatter (scatterTile32)
// against the run-by-run copy it replaces for small maps, bit for bit over the whole output (values not
// in the tile must stay as they were): every positions-per-sample count up to 33, tiles of every height
// and of full and partial width starting at several columns, copy, bias and bias+ReLU, with signed
// zeros, NaNs, infinities and subnormals among the values. Biases are never NaN: when a NaN value meets
// a NaN bias, which of the two payloads the sum carries depends on operand order, and neither path
// promises one (both give a NaN).
func TestScatterTileMatchesRuns(t *testing.T) {
	if !epilogueAVX512 {
		t.Skip("scatterTile32 needs AVX-512 (not on this CPU, or held to AVX2)")
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(0xffc00001), -0.5}
	rng := rand.New(rand.NewPCG(21, 22))
	value := func() float32 {
		if rng.IntN(4) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.Float32()*2 - 1
	}
	const m = 13
	for p := 1; p <= 33; p++ {
		for _, mode := range []string{"copy", "bias", "bias+relu"} {
			ns := 64/p + 3
			n := ns * p
			outSize := m*p + p%3 // room between samples for some p
			ldc := n + 5
			c := make([]float32, m*ldc)
			for i := range c {
				c[i] = value()
			}
			var bias []float32
			if mode != "copy" {
				bias = make([]float32, m)
				for i := range bias {
					for bias[i] = value(); bias[i] != bias[i]; bias[i] = value() {
					}
				}
			}
			for _, j0 := range []int{0, 32, n - 32, n - 7, 5} {
				for _, i := range []int{0, 6, m - 1} {
					for mh := 1; mh <= min(6, m-i); mh++ {
						nw := min(32, n-j0)
						for _, w := range []int{nw, max(nw-9, 1)} {
							t.Run(fmt.Sprintf("p%d/%s/j%d/i%d/mh%d/nw%d", p, mode, j0, i, mh, w), func(t *testing.T) {
								e := epilogue{bias: bias, relu: mode == "bias+relu", p: p, outSize: outSize}
								y := make([]float32, (ns-1)*outSize+m*p+4)
								for k := range y {
									y[k] = float32(k) + 0.5
								}
								want := append([]float32(nil), y...)
								e.y = want
								e.scatterRuns(c, ldc, i, j0, mh, w)
								e.y = y
								e.scatterTile(c, ldc, i, j0, mh, w)
								for k := range want {
									if math.Float32bits(y[k]) != math.Float32bits(want[k]) {
										t.Fatalf("y[%d] = %v (%#x) scattered, %v (%#x) run by run", k, y[k], math.Float32bits(y[k]), want[k], math.Float32bits(want[k]))
									}
								}
							})
						}
					}
				}
			}
		}
	}
}

// BenchmarkScatterEpilogue times the batched-convolution epilogue (bias + ReLU) on the 6x32 tiles of a
// 96 x 256-column product, by scatters and run by run, at the positions per sample of the network's small
// maps (1x1, 2x2, 4x4) and two larger ones.
func BenchmarkScatterEpilogue(b *testing.B) {
	const m, n = 96, 256
	for _, p := range []int{1, 4, 6, 8, 9, 16, 49} {
		ns := (n + p - 1) / p
		c := make([]float32, m*n)
		for i := range c {
			c[i] = float32(i%7) - 3
		}
		bias := make([]float32, m)
		y := make([]float32, ns*m*p)
		e := epilogue{bias: bias, relu: true, y: y, p: p, outSize: m * p}
		for _, how := range []string{"runs", "scatter"} {
			if how == "scatter" && !epilogueAVX512 {
				continue
			}
			b.Run(fmt.Sprintf("p%d/%s", p, how), func(b *testing.B) {
				for b.Loop() {
					for i := 0; i < m; i += sgemmMR {
						for j0 := 0; j0 < n; j0 += 32 {
							if how == "runs" {
								e.scatterRuns(c, n, i, j0, sgemmMR, 32)
							} else {
								e.scatterTile(c, n, i, j0, sgemmMR, 32)
							}
						}
					}
				}
			})
		}
	}
}
