//go:build !amd64

package ops

const (
	hasAVX512Kernels = false
	hasAVX2Kernels   = false
)
