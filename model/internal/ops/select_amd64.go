//go:build amd64

package ops

import (
	"golang.org/x/sys/cpu"

	kern "inceptionlab/model/internal/gemm"
)

// hasMaskKernel reports whether maskPositive32 runs (AVX-512, not held to AVX2); hasMaskKernelAVX2
// whether the AVX2 forms run instead (for the multiple-of-8 prefix of a run).
var (
	hasMaskKernel     = kern.AVX512()
	hasMaskKernelAVX2 = !hasMaskKernel && cpu.X86.HasAVX2
)

// maskPositive32 is implemented in select_amd64.s.
//
//go:noescape
func maskPositive32(y, dy, dz *float32, n int)

// addTo32 is implemented in select_amd64.s (AVX-512F; hasMaskKernel says whether it runs).
//
//go:noescape
func addTo32(dst, src *float32, n int)

// gatherTaps32 is implemented in select_amd64.s (AVX-512F; hasMaskKernel says whether it runs).
//
//go:noescape
func gatherTaps32(dst *float32, ld int, src *float32, tbl *int32, kk, p int)

// maskPositive32AVX2 and addTo32AVX2 are implemented in select_amd64.s (AVX2; n a multiple of 8).
//
//go:noescape
func maskPositive32AVX2(y, dy, dz *float32, n int)

//go:noescape
func addTo32AVX2(dst, src *float32, n int)
