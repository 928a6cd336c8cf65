//go:build amd64

package ops

// maskPositive32 is implemented in select_amd64.s.
//
//go:noescape
func maskPositive32(y, dy, dz *float32, n int)

// addTo32 is implemented in select_amd64.s (AVX-512F; hasAVX512Kernels says whether it runs).
//
//go:noescape
func addTo32(dst, src *float32, n int)

// gatherTaps32 is implemented in select_amd64.s (AVX-512F; hasAVX512Kernels says whether it runs).
//
//go:noescape
func gatherTaps32(dst *float32, ld int, src *float32, tbl *int32, kk, p int)

// maskPositive32AVX2 and addTo32AVX2 are implemented in select_amd64.s (AVX2; n a multiple of 8).
//
//go:noescape
func maskPositive32AVX2(y, dy, dz *float32, n int)

//go:noescape
func addTo32AVX2(dst, src *float32, n int)
