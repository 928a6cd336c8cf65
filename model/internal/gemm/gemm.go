package gemm

import (
	"fmt"

	"inceptionlab/model/internal/par"
)

// opFloat is the element type of every custom op kernel.
type opFloat interface{ float32 | float64 }

// gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(X) is X or X^T and
// op(A) is m x k, op(B) is k x n, C is m x n. It is the single entry point for matrix products in the
// op kernels and runs on the process's BLAS back end (blas.go) in the calling goroutine. Shape errors
// are programming errors in the caller and panic, as in gonum.
func gemm[T opFloat](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	be := activeBLAS()
	switch cc := any(c).(type) {
	case []float32:
		be.sgemm(transA, transB, m, n, k, float32(alpha), any(a).([]float32), lda, any(b).([]float32), ldb, float32(beta), cc, ldc)
	case []float64:
		be.dgemm(transA, transB, m, n, k, float64(alpha), any(a).([]float64), lda, any(b).([]float64), ldb, float64(beta), cc, ldc)
	default:
		// unreachable: opFloat admits only float32 and float64
		panic("model: gemm: element type must be float32 or float64")
	}
}

// gemmBlock is the granularity (rows or columns of C) in which gemmPar splits a product.
const gemmBlock = 16

// gemmPar is gemm on up to workers goroutines, with the same result as one gemm call. The pure-Go
// float32 GEMM shares its packed operands between the workers (sgemmPackedPar); other back ends get
// a disjoint block of C per worker (whole rows or whole columns, whichever dimension is larger).
func gemmPar[T opFloat](workers int, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if cc, ok := any(c).([]float32); ok && workers > 1 && m > 0 && n > 0 {
		if be := activeBLAS(); be.sgemmPar != nil {
			be.sgemmPar(workers, transA, transB, m, n, k, float32(alpha), any(a).([]float32), lda, any(b).([]float32), ldb, float32(beta), cc, ldc)
			return
		}
	}
	byCols := n >= m
	size := m
	if byCols {
		size = n
	}
	if w := (size + gemmBlock - 1) / gemmBlock; w < workers {
		workers = w
	}
	if workers <= 1 || m == 0 || n == 0 {
		gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Split into workers nearly equal parts, each a multiple of gemmBlock except the last.
	per := (size + workers - 1) / workers
	per = (per + gemmBlock - 1) / gemmBlock * gemmBlock
	par.Do((size+per-1)/per, func(i int) {
		lo, hi := i*per, min((i+1)*per, size)
		if byCols {
			bo := lo // column lo of op(B)
			if transB {
				bo = lo * ldb
			}
			gemm(transA, transB, m, hi-lo, k, alpha, a, lda, b[bo:], ldb, beta, c[lo:], ldc)
			return
		}
		ao := lo * lda // row lo of op(A)
		if transA {
			ao = lo
		}
		gemm(transA, transB, hi-lo, n, k, alpha, a[ao:], lda, b, ldb, beta, c[lo*ldc:], ldc)
	})
}

// checkGemm panics unless the slices and leading dimensions can hold the operands of a row-major GEMM
// (the checks gonum makes, needed before handing pointers to a C library).
func checkGemm(tA, tB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	rowsA, colsA := m, k
	if tA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if tB {
		rowsB, colsB = n, k
	}
	need := func(rows, cols, ld, have int, what string) {
		if rows < 0 || cols < 0 || ld < max(1, cols) {
			panic(fmt.Sprintf("model: gemm: %s is %dx%d with leading dimension %d", what, rows, cols, ld))
		}
		if rows > 0 && cols > 0 && have < (rows-1)*ld+cols {
			panic(fmt.Sprintf("model: gemm: %s (%dx%d, ld %d) needs %d elements, slice has %d", what, rows, cols, ld, (rows-1)*ld+cols, have))
		}
	}
	need(rowsA, colsA, lda, la, "A")
	need(rowsB, colsB, ldb, lb, "B")
	need(m, n, ldc, lc, "C")
}

// scaleRows sets C = beta*C for an m x n row-major C (the GEMM result when k == 0 or alpha == 0).
func scaleRows[T opFloat](m, n int, beta T, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
