//go:build amd64

package ops

import "unsafe"

// maxPoolH3 and maxPoolV3 are implemented in pool_max3_amd64.s (see there and maxPool3Flat).
//
//go:noescape
func maxPoolH3(x *float32, d0, n int, hv *float32, hc *int32, hm *uint16, hp int)

//go:noescape
func maxPoolV3(hv *float32, hc *int32, ov0, w, pl, n int, y *float32, idx unsafe.Pointer, tbl *uint32, tp, narrow int)

// maxPoolH3V and maxPoolV3V are maxPoolH3 and maxPoolV3 without the window positions (inference).
//
//go:noescape
func maxPoolH3V(x *float32, d0, n int, hv *float32, hm *uint16, hp int)

//go:noescape
func maxPoolV3V(hv *float32, ov0, w, n int, y *float32, tbl *uint32, tp int)

// pickEvenRows copies every other value of rows source rows (see pool_max3_amd64.s): the stride-2
// pools' subsampling of the stride-1 result.
//
//go:noescape
func pickEvenRows(dst unsafe.Pointer, src *uint32, rows, ow, ss, narrow int)

// maxPoolH3VAVX2 and maxPoolV3VAVX2 are the AVX2 forms of maxPoolH3V and maxPoolV3V (see
// pool_max3_amd64.s and maxPool3FlatAVX2).
//
//go:noescape
func maxPoolH3VAVX2(x *float32, d0, n int, hv *float32, hm *uint8, hp int, lanes *[256][8]int32)

//go:noescape
func maxPoolV3VAVX2(hv *float32, ov0, w, n int, y *float32, vt *uint32, tp int, lanes *[256][8]int32)

// maxPoolH3AVX2 and maxPoolV3AVX2 are the AVX2 forms of maxPoolH3 and maxPoolV3, window positions
// kept (see pool_max3_amd64.s and maxPool3FlatAVX2).
//
//go:noescape
func maxPoolH3AVX2(x *float32, d0, n int, hv *float32, hc *int32, hm *uint8, hp int, lanes *[256][8]int32)

//go:noescape
func maxPoolV3AVX2(hv *float32, hc *int32, ov0, w, pl, n int, y *float32, idx *int32, vt *uint32, tp int, lanes *[256][8]int32)
