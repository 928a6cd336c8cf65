package model

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// opFloat is the element type of every custom op kernel.
type opFloat interface{ float32 | float64 }

// gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(X) is X or X^T and
// op(A) is m x k, op(B) is k x n, C is m x n. It is the single entry point for matrix products in the
// op kernels, so a faster BLAS can be swapped in here (or via blas32.Use / blas64.Use) in one place.
// Shape errors are programming errors in the caller and panic, as in gonum.
func gemm[T opFloat](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	switch cc := any(c).(type) {
	case []float32:
		blas32.Implementation().Sgemm(tA, tB, m, n, k, float32(alpha), any(a).([]float32), lda,
			any(b).([]float32), ldb, float32(beta), cc, ldc)
	case []float64:
		blas64.Implementation().Dgemm(tA, tB, m, n, k, float64(alpha), any(a).([]float64), lda,
			any(b).([]float64), ldb, float64(beta), cc, ldc)
	default:
		// unreachable: opFloat admits only float32 and float64
		panic("model: gemm: element type must be float32 or float64")
	}
}
