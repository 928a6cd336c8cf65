//go:build amd64

package ops

import kern "inceptionlab/model/internal/gemm"

// hasMaskKernel reports whether maskPositive32 runs (AVX-512, not held to AVX2).
var hasMaskKernel = kern.AVX512()

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
