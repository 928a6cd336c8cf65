//go:build !amd64

package model

const hasSgemmKernel = false

func sgemmKernel6x16(kc int, a, b, c *float32, ldc int) {
	panic("model: sgemmKernel6x16 needs amd64 with AVX2 and FMA")
}
