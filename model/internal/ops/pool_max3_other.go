//go:build !amd64

package ops

import "unsafe"

func maxPoolH3(x *float32, d0, n int, hv *float32, hc *int32, hm *uint16, hp int) {
	panic("model: maxPoolH3 needs amd64")
}

func maxPoolV3(hv *float32, hc *int32, ov0, w, pl, n int, y *float32, idx unsafe.Pointer, tbl *uint32, tp, narrow int) {
	panic("model: maxPoolV3 needs amd64")
}

func maxPoolH3V(x *float32, d0, n int, hv *float32, hm *uint16, hp int) {
	panic("model: maxPoolH3V needs amd64")
}

func maxPoolV3V(hv *float32, ov0, w, n int, y *float32, tbl *uint32, tp int) {
	panic("model: maxPoolV3V needs amd64")
}

func pickEvenRows(dst unsafe.Pointer, src *uint32, rows, ow, ss, narrow int) {
	panic("model: pickEvenRows needs amd64")
}

func maxPoolH3VAVX2(x *float32, d0, n int, hv *float32, hm *uint8, hp int, lanes *[256][8]int32) {
	panic("model: maxPoolH3VAVX2 needs amd64")
}

func maxPoolV3VAVX2(hv *float32, ov0, w, n int, y *float32, vt *uint32, tp int, lanes *[256][8]int32) {
	panic("model: maxPoolV3VAVX2 needs amd64")
}

func maxPoolH3AVX2(x *float32, d0, n int, hv *float32, hc *int32, hm *uint8, hp int, lanes *[256][8]int32) {
	panic("model: maxPoolH3AVX2 needs amd64")
}

func maxPoolV3AVX2(hv *float32, hc *int32, ov0, w, pl, n int, y *float32, idx *int32, vt *uint32, tp int, lanes *[256][8]int32) {
	panic("model: maxPoolV3AVX2 needs amd64")
}
