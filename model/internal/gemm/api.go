package gemm

import "os"

// The exported names below are what the op kernels (model/internal/ops) call. The implementations keep
// their original unexported names so that this package reads as it did inside model/.

// Float is the element type of every custom op kernel: float32 or float64.
type Float = opFloat

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices (see gemm).
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmPar is Gemm split across up to workers goroutines (see gemmPar).
func GemmPar[T Float](workers int, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmPar(workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GetScratch returns a reusable buffer of length n with arbitrary contents; release it with PutScratch.
func GetScratch[T Float](n int) *[]T { return getScratch[T](n) }

// PutScratch returns a buffer obtained from GetScratch to its pool.
func PutScratch[T Float](s *[]T) { putScratch(s) }

// AVX512 reports whether kernels may use AVX-512: the CPU has AVX-512F and INCEPTIONLAB_SGEMM_KERNEL=avx2
// does not hold the process to AVX2 (which emulates a CPU without AVX-512 for every kernel that has
// both, the SGEMM micro-kernel and the max-pool passes of package ops).
func AVX512() bool { return hasSgemmKernel512 && os.Getenv(sgemmKernelEnv) != "avx2" }
