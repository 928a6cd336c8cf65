package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSgemmPackedParMatchesSerial checks that the shared-packing parallel GEMM gives, bit for bit, what
// one sgemmPacked call gives, for every micro-kernel this CPU runs, transposes, edge tiles, several
// k slices and A blocks, beta 0, 1 and other, and 2 or 3 workers.
func TestSgemmPackedParMatchesSerial(t *testing.T) {
	dims := [][3]int{{1, 1, 1}, {5, 1, 9}, {7, 17, 257}, {17, 33, 15}, {64, 1, 70}, {97, 35, 513}, {200, 70, 300}, {2, 300, 5}, {130, 600, 40}, {12, 32, 1}}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, uc := range []struct {
		uk  sgemmMicro
		has bool
	}{{sgemmAVX2, hasSgemmKernel}, {sgemmAVX512, hasSgemmKernel512}} {
		if !uc.has {
			t.Logf("CPU without %s: skipped", uc.uk.name)
			continue
		}
		for _, d := range dims {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, beta := range []float32{0, 1, 0.5} {
						for _, workers := range []int{2, 3} {
							c := gemmCase{tA: tA, tB: tB, m: d[0], n: d[1], k: d[2], pad: 2, alpha: 1.5, beta: float64(beta)}
							name := fmt.Sprintf("%s/tA=%t,tB=%t,%dx%dx%d,beta%g,w%d", uc.uk.name, tA, tB, c.m, c.n, c.k, beta, workers)
							t.Run(name, func(t *testing.T) {
								a, b, cm, lda, ldb, ldc := c.operands(rng)
								a32, b32 := noisy(rng, a), noisy(rng, b)
								want, got := noisy(rng, cm), make([]float32, len(cm))
								copy(got, want)
								sgemmPacked(uc.uk, tA, tB, c.m, c.n, c.k, 1.5, a32, lda, b32, ldb, beta, want, ldc)
								sgemmPackedPar(uc.uk, workers, tA, tB, c.m, c.n, c.k, 1.5, a32, lda, b32, ldb, beta, got, ldc)
								for i := range want {
									if got[i] != want[i] {
										t.Fatalf("C[%d] = %v, serial %v", i, got[i], want[i])
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

// noisy converts s to float32 with a random fraction added, so sums round (and any reordering shows).
func noisy(rng *rand.Rand, s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v + rng.Float64())
	}
	return out
}

// BenchmarkGemmPar measures the shared-packing GEMM on one and on two workers on the GEMMs of batched
// (small-map) convolutions at 64x64: forward, data and filter gradients of a 3x3 and a 1x1 convolution.
func BenchmarkGemmPar(b *testing.B) {
	uk, ok := bestSgemmKernel()
	if !ok {
		b.Skip("no micro-kernel on this CPU")
	}
	for _, c := range []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"fwd-3x3", false, false, 208, 512, 864},
		{"data-3x3", true, false, 864, 512, 208},
		{"filter-3x3", false, true, 208, 864, 512},
		{"fwd-1x1", false, false, 64, 512, 192},
		{"filter-1x1", false, true, 64, 192, 512},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		gc := gemmCase{tA: c.tA, tB: c.tB, m: c.m, n: c.n, k: c.k}
		a, bm, cm, lda, ldb, ldc := gc.operands(rng)
		a32, b32, c32 := noisy(rng, a), noisy(rng, bm), noisy(rng, cm)
		flops := 2 * float64(c.m*c.n*c.k)
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", c.name, workers), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					sgemmPackedPar(uk, workers, c.tA, c.tB, c.m, c.n, c.k, 1, a32, lda, b32, ldb, 0, c32, ldc)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
