package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveGemm is the reference C = alpha*op(A)*op(B) + beta*C in float64 arithmetic.
func naiveGemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if tA {
					ai = p*lda + i
				}
				if tB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += av * bv
			}
			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
		}
	}
}

type gemmCase struct {
	tA, tB  bool
	m, n, k int
	pad     int // extra leading-dimension elements
	alpha   float64
	beta    float64
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	for _, dims := range [][3]int{{1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 4, 0}, {17, 33, 15}, {16, 16, 16}, {64, 1, 70}, {31, 129, 65}, {2, 300, 5}, {97, 35, 513}, {7, 17, 257}, {6, 16, 256}, {12, 32, 1}, {6, 32, 256}, {18, 64, 40}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, pad := range []int{0, 3} {
					cs = append(cs, gemmCase{tA, tB, dims[0], dims[1], dims[2], pad, 1, 0})
				}
				cs = append(cs, gemmCase{tA, tB, dims[0], dims[1], dims[2], 1, 0.5, 1})
				cs = append(cs, gemmCase{tA, tB, dims[0], dims[1], dims[2], 0, -2, 0.25})
			}
		}
	}
	return cs
}

// operands builds A, B, C with leading dimensions padded by c.pad (padding cells hold values that must
// not leak into the result).
func (c gemmCase) operands(rng *rand.Rand) (a, b, cm []float64, lda, ldb, ldc int) {
	rowsA, colsA := c.m, c.k
	if c.tA {
		rowsA, colsA = c.k, c.m
	}
	rowsB, colsB := c.k, c.n
	if c.tB {
		rowsB, colsB = c.n, c.k
	}
	lda, ldb, ldc = max(1, colsA+c.pad), max(1, colsB+c.pad), c.n+c.pad
	fill := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(rng.IntN(17) - 8) // small integers: exact in float32 sums
		}
		return s
	}
	return fill(max(1, rowsA*lda)), fill(max(1, rowsB*ldb)), fill(c.m * ldc), lda, ldb, ldc
}

func conv[T opFloat](s []float64) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = T(v)
	}
	return out
}

// testBackend checks one back end (and gemmPar on top of the active one) against naiveGemm.
func testBackend(t *testing.T, be *blasBackend) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range gemmCases() {
		name := fmt.Sprintf("tA=%t,tB=%t,%dx%dx%d,pad%d,a%g,b%g", c.tA, c.tB, c.m, c.n, c.k, c.pad, c.alpha, c.beta)
		a, b, cm, lda, ldb, ldc := c.operands(rng)
		want := append([]float64(nil), cm...)
		naiveGemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)

		got32 := conv[float32](cm)
		be.sgemm(c.tA, c.tB, c.m, c.n, c.k, float32(c.alpha), conv[float32](a), lda, conv[float32](b), ldb, float32(c.beta), got32, ldc)
		got64 := append([]float64(nil), cm...)
		be.dgemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got64, ldc)
		par := conv[float32](cm)
		gemmPar(3, c.tA, c.tB, c.m, c.n, c.k, float32(c.alpha), conv[float32](a), lda, conv[float32](b), ldb, float32(c.beta), par, ldc)
		for i := range want {
			if float64(got32[i]) != want[i] || got64[i] != want[i] || float64(par[i]) != want[i] {
				t.Fatalf("%s: %s: C[%d] sgemm %v dgemm %v gemmPar %v, want %v", be.name, name, i, got32[i], got64[i], par[i], want[i])
			}
		}
	}
}

func TestGemmGonum(t *testing.T) { testBackend(t, gonumBLAS("gonum")) }

// TestGemmPureGoKernel checks each assembly micro-kernel this CPU runs through the packed GEMM.
func TestGemmPureGoKernel(t *testing.T) {
	for _, c := range []struct {
		uk  sgemmMicro
		has bool
	}{{sgemmAVX2, hasSgemmKernel}, {sgemmAVX512, hasSgemmKernel512}} {
		t.Run(c.uk.name, func(t *testing.T) {
			if !c.has {
				t.Skipf("CPU without %s", c.uk.name)
			}
			be := gonumBLAS(c.uk.name)
			be.sgemm = func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
				checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(cm), ldc)
				sgemmPacked(c.uk, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc)
			}
			testBackend(t, be)
		})
	}
	if !hasSgemmKernel {
		t.Log("CPU without AVX2/FMA: the pure-Go fallback is gonum, covered by TestGemmGonum")
	}
}

func TestGemmOpenBLAS(t *testing.T) {
	be, err := loadOpenBLAS("")
	if err != nil {
		t.Skipf("OpenBLAS not available: %v", err)
	}
	testBackend(t, be)
}

func TestGemmBoundsChecked(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "needs 12 elements") {
			t.Fatalf("short A: recovered %v, want a panic naming the needed length", r)
		}
	}()
	checkGemm(false, false, 3, 2, 4, 11, 4, 8, 2, 6, 2)
}

func TestResolveBLAS(t *testing.T) {
	for _, tc := range []struct{ mode, lib, want string }{
		{"gonum", "", "(INCEPTIONLAB_BLAS=gonum)"},
		{"bogus", "", `"bogus" is not one of auto, openblas, gonum`},
		{"openblas", "/nonexistent/libopenblas.so", "OpenBLAS requested by INCEPTIONLAB_BLAS=openblas but not loaded"},
		{"auto", "/nonexistent/libopenblas.so", "OpenBLAS not found"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			be := resolveBLAS(tc.mode, tc.lib)
			if !strings.Contains(be.name, tc.want) {
				t.Errorf("resolveBLAS(%q, %q) = %q, want it to contain %q", tc.mode, tc.lib, be.name, tc.want)
			}
			c := []float32{7}
			be.sgemm(false, false, 1, 1, 1, 1, []float32{2}, 1, []float32{3}, 1, 0, c, 1)
			if c[0] != 6 || math.IsNaN(float64(c[0])) {
				t.Errorf("fallback sgemm 2*3 = %v", c[0])
			}
		})
	}
}

// TestAutoPrefersAVX512Kernel checks the auto choice on this machine: OpenBLAS when it loads, unless the
// CPU has AVX-512 and OpenBLAS's kernels for it do not (then the pure-Go AVX-512 kernel), and that
// INCEPTIONLAB_BLAS=openblas always gets OpenBLAS.
func TestAutoPrefersAVX512Kernel(t *testing.T) {
	ob, err := loadOpenBLAS("")
	if err != nil {
		t.Skipf("OpenBLAS not available: %v", err)
	}
	auto := resolveBLAS("auto", "")
	uk, _ := bestSgemmKernel()
	wantGo := uk == sgemmAVX512 && !avx512Core(ob.core)
	if gotGo := strings.HasPrefix(auto.name, "pure-Go AVX-512"); gotGo != wantGo {
		t.Errorf("auto on a CPU with AVX-512 = %t and OpenBLAS core %q picked %q", hasSgemmKernel512, ob.core, auto.name)
	}
	if forced := resolveBLAS("openblas", ""); !strings.HasPrefix(forced.name, "OpenBLAS") {
		t.Errorf("INCEPTIONLAB_BLAS=openblas picked %q", forced.name)
	}
	t.Setenv(sgemmKernelEnv, "avx2") // as on a CPU without AVX-512: OpenBLAS, whatever its kernels
	if held := resolveBLAS("auto", ""); !strings.HasPrefix(held.name, "OpenBLAS") {
		t.Errorf("auto with %s=avx2 picked %q", sgemmKernelEnv, held.name)
	}
	if k, ok := bestSgemmKernel(); ok && k != sgemmAVX2 {
		t.Errorf("%s=avx2 left the %s kernel in use", sgemmKernelEnv, k.name)
	}
	for core, want := range map[string]bool{"SkylakeX": true, "COOPERLAKE": true, "SapphireRapids": true, "Haswell": false, "Zen": false, "": false} {
		if avx512Core(core) != want {
			t.Errorf("avx512Core(%q) = %t, want %t", core, !want, want)
		}
	}
}

// BenchmarkGemm times float32 products of convolution-like shapes (m = filters, n = columns, k = C*K*K)
// on every back end this machine has, in GFLOP/s.
func BenchmarkGemm(b *testing.B) {
	backends := []*blasBackend{}
	for _, uk := range []struct {
		uk  sgemmMicro
		has bool
	}{{sgemmAVX2, hasSgemmKernel}, {sgemmAVX512, hasSgemmKernel512}} {
		if uk.has {
			be := gonumBLAS("go-" + strings.ReplaceAll(uk.uk.name, "/", "-"))
			k := uk.uk
			be.sgemm = func(tA, tB bool, m, n, kk int, alpha float32, a []float32, lda int, bm []float32, ldb int, beta float32, c []float32, ldc int) {
				sgemmPacked(k, tA, tB, m, n, kk, alpha, a, lda, bm, ldb, beta, c, ldc)
			}
			backends = append(backends, be)
		}
	}
	if be, err := loadOpenBLAS(""); err == nil {
		be.name = "openblas"
		backends = append(backends, be)
	}
	// m x n x k, op(A) and op(B) as in the convolution kernels: forward (NN), data gradient (A
	// transposed), filter gradient (B transposed).
	for _, d := range []struct {
		m, n, k int
		tA, tB  bool
	}{
		{64, 512, 576, false, false}, {128, 512, 864, false, false}, {128, 784, 864, false, false},
		{64, 784, 192, false, false}, {96, 3136, 576, false, false}, {1024, 1024, 1024, false, false},
		{864, 512, 128, true, false}, {128, 864, 512, false, true},
		// per-sample convolutions at 224x16: conv1 and conv2's 3x3 forward, conv2's data and filter gradients
		{64, 12544, 147, false, false}, {192, 3136, 576, false, false}, {576, 3136, 192, true, false}, {192, 576, 3136, false, true},
	} {
		m, n, k := d.m, d.n, d.k
		a, bm, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range bm {
			bm[i] = float32(i%5) - 2
		}
		lda, ldb := k, n
		if d.tA {
			lda = m
		}
		if d.tB {
			ldb = k
		}
		tr := map[bool]string{false: "N", true: "T"}
		for _, be := range backends {
			b.Run(fmt.Sprintf("%dx%dx%d%s%s/%s", m, n, k, tr[d.tA], tr[d.tB], be.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					be.sgemm(d.tA, d.tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
