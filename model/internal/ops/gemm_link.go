package ops

import kern "inceptionlab/model/internal/gemm"

// The kernels call the matrix-product engine and its scratch buffers by their short names.

type opFloat = kern.Float

func gemm[T opFloat](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	kern.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func gemmPar[T opFloat](workers int, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	kern.GemmPar(workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// packA packs alpha*op(A) once for several products (see kern.PackA); release it with Release.
func packA[T opFloat](transA bool, m, k int, alpha T, a []T, lda int) *kern.PackedA[T] {
	return kern.PackA(transA, m, k, alpha, a, lda)
}

func gemmPacked[T opFloat](pa *kern.PackedA[T], workers int, transB bool, n int, b []T, ldb int, beta T, c []T, ldc int) {
	kern.GemmPacked(pa, workers, transB, n, b, ldb, beta, c, ldc)
}

func gemmPackedBiasAct[T opFloat](pa *kern.PackedA[T], workers int, transB bool, n int, b []T, ldb int, c []T, ldc int, bias []T, relu bool) {
	kern.GemmPackedBiasAct(pa, workers, transB, n, b, ldb, c, ldc, bias, relu)
}

func gemmPackedToSamples[T opFloat](pa *kern.PackedA[T], workers, n int, b []T, ldb int, x []T, xStride int, c, y []T, p, outSize int, bias []T, relu bool) {
	kern.GemmPackedToSamples(pa, workers, n, b, ldb, x, xStride, c, y, p, outSize, bias, relu)
}

func getScratch[T opFloat](n int) *[]T { return kern.GetScratch[T](n) }

func putScratch[T opFloat](s *[]T) { kern.PutScratch(s) }
