//go:build !amd64

package ops

func maskPositive32(y, dy, dz *float32, n int) {
	panic("model: maskPositive32 needs amd64")
}

func addTo32(dst, src *float32, n int) {
	panic("model: addTo32 needs amd64")
}

func gatherTaps32(dst *float32, ld int, src *float32, tbl *int32, kk, p int) {
	panic("model: gatherTaps32 needs amd64")
}

func maskPositive32AVX2(y, dy, dz *float32, n int) {
	panic("model: maskPositive32AVX2 needs amd64")
}

func addTo32AVX2(dst, src *float32, n int) {
	panic("model: addTo32AVX2 needs amd64")
}
