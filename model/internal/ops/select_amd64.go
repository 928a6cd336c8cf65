//go:build amd64

package ops

import kern "inceptionlab/model/internal/gemm"

// hasMaskKernel reports whether maskPositive32 runs (AVX-512, not held to AVX2).
var hasMaskKernel = kern.AVX512()

// maskPositive32 is implemented in select_amd64.s.
//
//go:noescape
func maskPositive32(y, dy, dz *float32, n int)
