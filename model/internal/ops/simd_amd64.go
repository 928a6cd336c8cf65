//go:build amd64

package ops

import (
	"golang.org/x/sys/cpu"

	kern "inceptionlab/model/internal/gemm"
)

// hasAVX512Kernels reports whether this package's AVX-512 kernels run (the max pools, the ReLU
// gradient, col2im's adds, im2colChunk's gathers): the CPU has AVX-512 and INCEPTIONLAB_SGEMM_KERNEL=avx2
// does not hold the process to AVX2 (kern.AVX512). hasAVX2Kernels reports whether their AVX2 forms run
// instead.
var (
	hasAVX512Kernels = kern.AVX512()
	hasAVX2Kernels   = !hasAVX512Kernels && cpu.X86.HasAVX2
)
