//go:build !amd64

package optim

const hasAdamKernel = false

// adamKernelAVX2 exists only on amd64; adamStep never calls it here.
func adamKernelAVX2(w, gr, m, v *float32, n int, b1, c1, b2, c2, eps, lrT float32) {
	panic("model: adamKernelAVX2 needs amd64 with AVX2")
}
