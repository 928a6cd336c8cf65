package gemm

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Matrix products (gemm.go) run on one of two BLAS back ends, chosen once per process:
//
//   - OpenBLAS, loaded at run time with dlopen (no cgo, no build tag) when libopenblas is installed
//     (Debian: apt-get install libopenblas0). It is switched to one thread per call: the kernels split
//     work across cores themselves, so OpenBLAS threads would only oversubscribe the CPU.
//   - otherwise a pure-Go GEMM around an assembly micro-kernel (sgemm.go; AVX-512 or AVX2/FMA) for
//     float32 on CPUs that have one of those, and gonum's pure-Go BLAS for the rest (float64, other CPUs).
//
// The environment variable INCEPTIONLAB_BLAS selects the back end: "auto" (default: OpenBLAS if it
// loads, except on a CPU with AVX-512 where OpenBLAS runs kernels without it: then the pure-Go AVX-512
// kernel is faster), "openblas" (the same, but BLASName reports why it did not load) or "gonum" (never load
// OpenBLAS: the pure-Go path, named after its float64 and portable fallback). INCEPTIONLAB_OPENBLAS may name the shared library to load instead of the usual sonames.

// blasEnv and openblasEnv name the environment variables that pick the BLAS back end.
const (
	blasEnv     = "INCEPTIONLAB_BLAS"
	openblasEnv = "INCEPTIONLAB_OPENBLAS"
)

// blasBackend is a resolved BLAS: row-major single- and double-precision GEMM.
type blasBackend struct {
	name  string
	core  string // OpenBLAS: the kernel family it picked (openblas_get_corename), e.g. "Haswell"
	sgemm func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	// kernel, when not nil, is the micro-kernel of the pure-Go float32 GEMM (PackA packs for it).
	kernel *sgemmMicro
	// sgemmPar, when not nil, is sgemm on up to workers goroutines (gemmPar uses it instead of splitting C).
	sgemmPar func(workers int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	dgemm    func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
}

var (
	backendOnce sync.Once
	backendVal  *blasBackend
)

// activeBLAS returns the process's BLAS back end, resolving it on first use.
func activeBLAS() *blasBackend {
	backendOnce.Do(func() { backendVal = resolveBLAS(os.Getenv(blasEnv), os.Getenv(openblasEnv)) })
	return backendVal
}

// resolveBLAS picks the back end for the given INCEPTIONLAB_BLAS and INCEPTIONLAB_OPENBLAS values.
func resolveBLAS(mode, libPath string) *blasBackend {
	switch mode {
	case "gonum":
		return pureGoBLAS(fmt.Sprintf("(%s=gonum)", blasEnv))
	case "", "auto", "openblas":
		b, err := loadOpenBLAS(libPath)
		if err == nil {
			if uk, ok := bestSgemmKernel(); ok && mode != "openblas" && uk == sgemmAVX512 && !avx512Core(b.core) {
				// Measured here (BenchmarkGemm, BenchmarkTrainStep): on an AVX-512 CPU our AVX-512
				// kernel is ~1.5x faster than OpenBLAS's AVX2 kernels and within ~10% of its AVX-512
				// ones, so only the latter are worth taking over it.
				return pureGoBLAS(fmt.Sprintf("(chosen over OpenBLAS, whose %s kernels on this CPU do not use its AVX-512; %s=openblas forces OpenBLAS)", b.core, blasEnv))
			}
			return b
		}
		if mode == "openblas" {
			return pureGoBLAS(fmt.Sprintf("(OpenBLAS requested by %s=openblas but not loaded: %v)", blasEnv, err))
		}
		if uk, ok := bestSgemmKernel(); ok && uk == sgemmAVX512 {
			return pureGoBLAS("(OpenBLAS not found; not needed on this AVX-512 CPU)")
		}
		return pureGoBLAS("(OpenBLAS not found; install libopenblas0 for the fast path)")
	default:
		return pureGoBLAS(fmt.Sprintf("(%s=%q is not one of auto, openblas, gonum)", blasEnv, mode))
	}
}

// pureGoBLAS is the fallback without OpenBLAS: float32 products through the AVX2/FMA kernel of sgemm.go
// when the CPU has it, everything else through gonum. why ends the reported name.
func pureGoBLAS(why string) *blasBackend {
	uk, ok := bestSgemmKernel()
	if !ok {
		return gonumBLAS("gonum pure-Go BLAS " + why)
	}
	b := gonumBLAS("pure-Go " + uk.name + " SGEMM kernel, gonum for float64 " + why)
	b.kernel = &uk
	b.sgemm = func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, bm []float32, ldb int, beta float32, c []float32, ldc int) {
		checkGemm(tA, tB, m, n, k, len(a), lda, len(bm), ldb, len(c), ldc)
		sgemmPacked(uk, tA, tB, m, n, k, alpha, a, lda, bm, ldb, beta, c, ldc)
	}
	b.sgemmPar = func(workers int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, bm []float32, ldb int, beta float32, c []float32, ldc int) {
		checkGemm(tA, tB, m, n, k, len(a), lda, len(bm), ldb, len(c), ldc)
		sgemmPackedPar(uk, workers, tA, tB, m, n, k, alpha, a, lda, bm, ldb, beta, c, ldc)
	}
	return b
}

func gonumBLAS(name string) *blasBackend {
	var impl gonum.Implementation
	trans := func(t bool) blas.Transpose {
		if t {
			return blas.Trans
		}
		return blas.NoTrans
	}
	return &blasBackend{
		name: name,
		sgemm: func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			impl.Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		},
		dgemm: func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			impl.Dgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		},
	}
}

// BLASName says which matrix-multiply implementation the convolution and dense kernels use (and, when
// OpenBLAS is not in use, why), for run records and the start-up banner.
func BLASName() string { return activeBLAS().name }

// ThreadIndependent reports whether float32 products give the same bits on any number of cores: true
// for the pure-Go kernel, whose parallel GEMM makes every element of C with the same kernel calls
// whatever the number of workers (sgemmPackedPar). OpenBLAS and gonum make no such promise.
func ThreadIndependent() bool { return activeBLAS().kernel != nil }

// avx512Core reports whether an OpenBLAS core name is one of its AVX-512 kernel families.
func avx512Core(core string) bool {
	switch strings.ToLower(core) {
	case "skylakex", "cooperlake", "sapphirerapids":
		return true
	}
	return false
}
