package gemm

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
)

// TestGemmPackedMatchesGemm checks that a product with op(A) packed once by PackA gives, bit for bit,
// what the same product packing A itself gives, on the active back end, serial and on 2 or 3 workers,
// over several k slices, edge panels, both transposes and three betas; and that one PackedA serves
// several products.
func TestGemmPackedMatchesGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, d := range [][3]int{{1, 1, 1}, {7, 17, 257}, {64, 100, 576}, {192, 40, 600}, {13, 300, 9}, {6, 32, 256}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, beta := range []float32{0, 1, 0.5} {
					for _, workers := range []int{1, 2, 3} {
						c := gemmCase{tA: tA, tB: tB, m: d[0], n: d[1], k: d[2], pad: 1, alpha: 1.5, beta: float64(beta)}
						t.Run(fmt.Sprintf("tA=%t,tB=%t,%dx%dx%d,beta%g,w%d", tA, tB, c.m, c.n, c.k, beta, workers), func(t *testing.T) {
							a, _, _, lda, _, _ := c.operands(rng)
							a32 := noisy(rng, a)
							pa := PackA(tA, c.m, c.k, float32(1.5), a32, lda)
							defer pa.Release()
							for product := 0; product < 2; product++ {
								_, b, cm, _, ldb, ldc := c.operands(rng)
								b32 := noisy(rng, b)
								want, got := noisy(rng, cm), make([]float32, len(cm))
								copy(got, want)
								gemmPar(workers, tA, tB, c.m, c.n, c.k, 1.5, a32, lda, b32, ldb, beta, want, ldc)
								GemmPacked(pa, workers, tB, c.n, b32, ldb, beta, got, ldc)
								for i := range want {
									if got[i] != want[i] {
										t.Fatalf("product %d: C[%d] = %v with A packed once, %v packing it", product, i, got[i], want[i])
									}
								}
							}
						})
					}
				}
			}
		}
	}
}

// TestGemmPackedBiasActMatchesTwoPasses checks the fused epilogue against the product followed by a
// separate bias (+ ReLU) pass, bit for bit: over several k slices (the epilogue must run once, after the
// last), edge tiles in both dimensions, serial and on 2 workers, both ways of splitting C, with and
// without the ReLU, and on C holding garbage (beta is 0: it must not be read).
func TestGemmPackedBiasActMatchesTwoPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, d := range [][3]int{{1, 1, 1}, {7, 17, 257}, {64, 100, 576}, {192, 40, 600}, {13, 300, 9}, {6, 32, 256}, {64, 784, 1152}} {
		for _, relu := range []bool{false, true} {
			for _, workers := range []int{1, 2} {
				c := gemmCase{m: d[0], n: d[1], k: d[2], pad: 1, alpha: 1, beta: 0}
				t.Run(fmt.Sprintf("%dx%dx%d,relu=%t,w%d", c.m, c.n, c.k, relu, workers), func(t *testing.T) {
					a, b, cm, lda, ldb, ldc := c.operands(rng)
					a32, b32 := noisy(rng, a), noisy(rng, b)
					pa := PackA(false, c.m, c.k, float32(1), a32, lda)
					defer pa.Release()
					want, got := noisy(rng, cm), noisy(rng, cm)
					GemmPacked(pa, workers, false, c.n, b32, ldb, 0, want, ldc)
					// Biases that send about half of each row below zero, one element to exactly 0.
					bias := make([]float32, c.m)
					for i := range bias {
						bias[i] = -want[i*ldc+(i*7)%c.n]
					}
					for i := 0; i < c.m; i++ {
						row := want[i*ldc : i*ldc+c.n]
						BiasAct(row, row, bias[i], relu)
					}
					GemmPackedBiasAct(pa, workers, false, c.n, b32, ldb, got, ldc, bias, relu)
					for i := 0; i < c.m; i++ {
						for j := 0; j < c.n; j++ {
							if g, w := got[i*ldc+j], want[i*ldc+j]; g != w && !(g != g && w != w) {
								t.Fatalf("C[%d,%d] = %v fused, %v in two passes", i, j, g, w)
							}
						}
					}
				})
			}
		}
	}
}

// TestGemmPackedSamplesMatchesGathered checks the product with B packed straight from side-by-side
// samples against GemmPacked on the gathered matrix, bit for bit: map sizes whose runs fit a panel
// several times, straddle panels or are single values, a sample stride with room to spare, several k
// slices, 1 and 2 workers, beta 0 and 1.
func TestGemmPackedSamplesMatchesGathered(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, d := range []struct{ m, k, ns, p, extra int }{
		{64, 48, 37, 1, 0}, {20, 300, 9, 4, 5}, {7, 33, 6, 16, 0}, {96, 520, 11, 49, 3}, {6, 1, 1, 1, 0}, {13, 70, 5, 3, 0},
	} {
		for _, workers := range []int{1, 2} {
			for _, beta := range []float32{0, 1} {
				t.Run(fmt.Sprintf("m%d,k%d,ns%d,p%d,w%d,beta%g", d.m, d.k, d.ns, d.p, workers, beta), func(t *testing.T) {
					stride := d.k*d.p + d.extra
					x := noisy(rng, make([]float64, (d.ns-1)*stride+d.k*d.p))
					a := noisy(rng, make([]float64, d.m*d.k))
					n := d.ns * d.p
					b := make([]float32, d.k*n)
					for r := 0; r < d.k; r++ {
						for j := 0; j < d.ns; j++ {
							copy(b[r*n+j*d.p:][:d.p], x[j*stride+r*d.p:][:d.p])
						}
					}
					pa := PackA(false, d.m, d.k, float32(1), a, d.k)
					defer pa.Release()
					want := noisy(rng, make([]float64, d.m*n))
					got := append([]float32(nil), want...)
					GemmPacked(pa, workers, false, n, b, n, beta, want, n)
					GemmPackedSamples(pa, workers, d.ns, d.p, x, stride, beta, got, n)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("C[%d] = %v packed from the samples, %v from the gathered matrix", i, got[i], want[i])
						}
					}
				})
			}
		}
	}
}

// TestGemmPackedToSamplesMatchesTwoPasses checks the batched convolution output written tile by tile
// into NCHW against the product into a matrix followed by BiasAct into NCHW, bit for bit, for B as a
// matrix and B packed from samples, over several k slices, edge tiles, runs that straddle panels, 1 and
// 2 workers, ReLU on and off. Tiles whose columns lie in one sample are computed in y itself (see
// sgemmTiles): p = 63 puts a tile's last column alone in the next sample, p = 32 makes every tile one
// sample's, p = 196 is a 14x14 map.
func TestGemmPackedToSamplesMatchesTwoPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, d := range []struct{ m, k, ns, p int }{{64, 48, 37, 1}, {20, 300, 9, 4}, {7, 33, 6, 16}, {96, 520, 11, 49}, {13, 70, 5, 3},
		{30, 280, 4, 63}, {12, 40, 3, 32}, {19, 600, 3, 196}} {
		for _, fromX := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				for _, workers := range []int{1, 2} {
					t.Run(fmt.Sprintf("m%d,k%d,ns%d,p%d,x=%t,relu=%t,w%d", d.m, d.k, d.ns, d.p, fromX, relu, workers), func(t *testing.T) {
						n, stride, outSize := d.ns*d.p, d.k*d.p+2, d.m*d.p+3
						x := noisy(rng, make([]float64, (d.ns-1)*stride+d.k*d.p))
						b := make([]float32, d.k*n)
						for r := 0; r < d.k; r++ {
							for j := 0; j < d.ns; j++ {
								copy(b[r*n+j*d.p:][:d.p], x[j*stride+r*d.p:][:d.p])
							}
						}
						a := noisy(rng, make([]float64, d.m*d.k))
						pa := PackA(false, d.m, d.k, float32(1), a, d.k)
						defer pa.Release()
						c := make([]float32, d.m*n)
						GemmPacked(pa, workers, false, n, b, n, 0, c, n)
						bias := make([]float32, d.m)
						for i := range bias {
							bias[i] = -c[i*n+(i*5)%n]
						}
						want := noisy(rng, make([]float64, (d.ns-1)*outSize+d.m*d.p))
						got := append([]float32(nil), want...)
						for j := 0; j < d.ns; j++ {
							for i := 0; i < d.m; i++ {
								BiasAct(want[j*outSize+i*d.p:][:d.p], c[i*n+j*d.p:][:d.p], bias[i], relu)
							}
						}
						if !relu && d.p%2 == 1 { // no bias at all: the product stored as it is
							bias = nil
							for j := 0; j < d.ns; j++ {
								for i := 0; i < d.m; i++ {
									copy(want[j*outSize+i*d.p:][:d.p], c[i*n+j*d.p:][:d.p])
								}
							}
						}
						scratch := noisy(rng, make([]float64, d.m*n))
						if fromX {
							GemmPackedToSamples(pa, workers, n, nil, 0, x, stride, scratch, got, d.p, outSize, bias, relu)
						} else {
							GemmPackedToSamples(pa, workers, n, b, n, nil, 0, scratch, got, d.p, outSize, bias, relu)
						}
						for i := range want {
							if got[i] != want[i] {
								t.Fatalf("y[%d] = %v tile by tile, %v in two passes", i, got[i], want[i])
							}
						}
					})
				}
			}
		}
	}
}

// TestBiasRelu32MatchesScalar checks biasRelu32 (AVX-512 for runs of 8 or more where the CPU has it)
// against the scalar definition bit for bit, for every length up to 50 (the vector loop and every tail)
// and values around zero, infinities, NaNs of both signs and subnormals, in place and not.
func TestBiasRelu32MatchesScalar(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-40, -1e-40, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(0xffc00001), 3.5, -0.25, 1e30, -1e30}
	rng := rand.New(rand.NewPCG(5, 6))
	// Every form this CPU runs, whichever the process picked: AVX-512, AVX2 (the prefix of 8s), Go.
	defer func(a, b bool) { epilogueAVX512, epilogueAVX2 = a, b }(epilogueAVX512, epilogueAVX2)
	for _, mode := range []struct {
		name         string
		avx512, avx2 bool
		ok           bool
	}{{"avx512", true, false, hasSgemmKernel512}, {"avx2", false, true, hasSgemmKernel}, {"go", false, false, true}} {
		if !mode.ok {
			continue
		}
		epilogueAVX512, epilogueAVX2 = mode.avx512, mode.avx2
		testBiasRelu32(t, mode.name, rng, special)
	}
}

func testBiasRelu32(t *testing.T, mode string, rng *rand.Rand, special []float32) {
	for _, b := range []float32{0, 0.25, -0.25, float32(math.Copysign(0, -1))} {
		for n := 0; n <= 50; n++ {
			src := make([]float32, n)
			for i := range src {
				if i%3 == 0 {
					src[i] = special[rng.IntN(len(special))]
				} else {
					src[i] = rng.Float32()*2 - 1
				}
			}
			want := make([]float32, n)
			for i, v := range src {
				u := math.Float32bits(v + b)
				want[i] = math.Float32frombits(u &^ uint32(int32(u)>>31))
			}
			got := make([]float32, n+1)
			got[n] = 42 // past the end: must stay
			biasRelu32(got[:n], src, b)
			inPlace := append([]float32(nil), src...)
			biasRelu32(inPlace, inPlace, b)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.Float32bits(inPlace[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: b=%v n=%d: [%d] of %v = %v (in place %v), want %v", mode, b, n, i, src[i], got[i], inPlace[i], want[i])
				}
			}
			if got[n] != 42 {
				t.Fatalf("%s: b=%v n=%d: wrote past the end", mode, b, n)
			}
		}
	}
}

// TestGemmPackedShortTilesMatchReference checks products whose last A panel has 1-5 rows (every M
// that is not a multiple of 6 ends in one: sgemmKernel6x32Rows runs two, four or six rows of FMAs for
// them) against a float64 product, over two k slices, full and edge column panels, with the fused bias
// + ReLU, serial and on 2 workers. The other GEMM tests compare the kernels' paths with each other; this
// one would catch a short tile that multiplies the wrong A row.
func TestGemmPackedShortTilesMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	const n, k = 70, 300
	for m := 1; m <= 11; m++ {
		for _, workers := range []int{1, 2} {
			a, b := uniform(rng, m*k), uniform(rng, k*n)
			bias := make([]float32, m)
			for i := range bias {
				bias[i] = rng.Float32() - 0.5
			}
			pa := PackA(false, m, k, float32(1), a, k)
			plain, fused := make([]float32, m*n), make([]float32, m*n)
			GemmPacked(pa, workers, false, n, b, n, 0, plain, n)
			GemmPackedBiasAct(pa, workers, false, n, b, n, fused, n, bias, true)
			pa.Release()
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var want float64
					for p := 0; p < k; p++ {
						want += float64(a[i*k+p]) * float64(b[p*n+j])
					}
					if got := float64(plain[i*n+j]); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
						t.Fatalf("m=%d w%d: C[%d,%d] = %v, want %v", m, workers, i, j, got, want)
					}
					want = math.Max(0, want+float64(bias[i]))
					if got := float64(fused[i*n+j]); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
						t.Fatalf("m=%d w%d: relu(C+bias)[%d,%d] = %v, want %v", m, workers, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestPackAPartsMatchSerial checks that PackA, which splits a large operand's row panels across the
// cores, writes exactly the panels one serial pass over every k slice writes: for m not a multiple of
// the panel height (a zero-padded last panel), k over several slices, both transposes, and as many
// parts as 1, 2, 3 and more cores than panels give.
func TestPackAPartsMatchSerial(t *testing.T) {
	if activeBLAS().kernel == nil {
		t.Skip("no packed form on this back end")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, d := range [][2]int{{64, 576}, {13, 2600}, {192, 600}, {5, 8000}, {480, 832}} {
		for _, tA := range []bool{false, true} {
			for _, procs := range []int{1, 2, 3, 64} {
				m, k := d[0], d[1]
				lda := k + 3
				if tA {
					lda = m + 3
				}
				rows := m
				if tA {
					rows = k
				}
				a := uniform(rng, rows*lda)
				panels := (m + sgemmMR - 1) / sgemmMR
				want := make([]float32, panels*sgemmMR*k)
				for p0 := 0; p0 < k; p0 += sgemmKC {
					packA(tA, a, lda, 0, m, p0, min(sgemmKC, k-p0), 0.75, want[p0*panels*sgemmMR:])
				}
				runtime.GOMAXPROCS(procs)
				pa := PackA(tA, m, k, float32(0.75), a, lda)
				got := (*pa.buf)[:len(want)]
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%dx%d tA=%t on %d cores: packed[%d] = %v, serial %v", m, k, tA, procs, i, got[i], want[i])
					}
				}
				pa.Release()
			}
		}
	}
}

// TestKernelBiasMatchesTwoPasses checks each fused micro-kernel this CPU runs (sgemmKernel6x16Bias,
// sgemmKernel6x32Bias) against its plain kernel followed by BiasAct on the stored tile, bit for bit:
// depths 0, 1, odd and a full slice, overwriting and accumulating into C, with and without the ReLU,
// on values of both signs (so the ReLU clears some lanes).
func TestKernelBiasMatchesTwoPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, c := range []struct {
		name  string
		nr    int
		has   bool
		plain func(kc int, a, b, c *float32, ldc int, acc bool)
		fused func(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool)
	}{
		{"6x16", 16, hasSgemmKernel, sgemmKernel6x16, sgemmKernel6x16Bias},
		{"6x32", 32, hasSgemmKernel512, sgemmKernel6x32, sgemmKernel6x32Bias},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.has {
				t.Skipf("CPU without the %s kernel", c.name)
			}
			for _, kc := range []int{0, 1, 7, 256} {
				for _, acc := range []bool{false, true} {
					for _, relu := range []bool{false, true} {
						a, b := uniform(rng, max(1, kc*sgemmMR)), uniform(rng, max(1, kc*c.nr))
						bias := make([]float32, sgemmMR)
						for i := range bias {
							bias[i] = rng.Float32() - 0.5
						}
						const ldc = 40 // wider than the tile: the kernels must keep to their columns
						want := uniform(rng, sgemmMR*ldc)
						got := slices.Clone(want)
						c.plain(kc, &a[0], &b[0], &want[0], ldc, acc)
						for r := 0; r < sgemmMR; r++ {
							row := want[r*ldc : r*ldc+c.nr]
							BiasAct(row, row, bias[r], relu)
						}
						c.fused(kc, &a[0], &b[0], &got[0], ldc, acc, &bias[0], relu)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("kc=%d acc=%t relu=%t: C[%d,%d] = %v fused, %v in two passes", kc, acc, relu, i/ldc, i%ldc, got[i], want[i])
							}
						}
					}
				}
			}
		})
	}
}

// TestPackedAVX2Kernel reruns the packed-GEMM and fused-kernel comparisons in a child process held to
// the AVX2 kernel (INCEPTIONLAB_SGEMM_KERNEL=avx2, which a process reads once), so that the 16-wide
// tiles' fused bias (+ ReLU) and in-sample epilogues are checked bit for bit on AVX-512 machines too.
func TestPackedAVX2Kernel(t *testing.T) {
	if os.Getenv(sgemmKernelEnv) == "avx2" {
		t.Skip("this process is already held to AVX2: the tests above ran the 16-wide tiles")
	}
	if !hasSgemmKernel || !hasSgemmKernel512 {
		t.Skip("no AVX-512 kernel here: the tests above already ran the AVX2 kernel, or there is none")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^(TestGemmPacked|TestKernelBias|TestPackAParts)", "-test.count", "1")
	cmd.Env = append(os.Environ(), sgemmKernelEnv+"=avx2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the packed-GEMM tests held to AVX2: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("the packed-GEMM tests held to AVX2 printed no PASS:\n%s", out)
	}
}

// uniform returns n values drawn uniformly from [-1, 1) by rng, in order.
func uniform(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}
