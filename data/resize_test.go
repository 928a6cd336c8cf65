package data

import (
	"bytes"
	"testing"
)

func TestResize(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  raster
		size int
		want []uint8
	}{
		{"same size copies", raster{c: 1, h: 2, w: 2, pix: []uint8{1, 2, 3, 4}}, 2, []uint8{1, 2, 3, 4}},
		// Half-pixel centres: output x samples (x+0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped).
		{"upscale 2 to 4", raster{c: 1, h: 2, w: 2, pix: []uint8{0, 100, 0, 100}}, 4,
			[]uint8{0, 25, 75, 100, 0, 25, 75, 100, 0, 25, 75, 100, 0, 25, 75, 100}},
		// Output x samples (x+0.5)*2 - 0.5 = 0.5, 2.5: the mean of each 2x2 block.
		{"downscale 4 to 2", raster{c: 1, h: 4, w: 4, pix: []uint8{
			0, 4, 8, 12,
			4, 8, 12, 16,
			100, 100, 200, 200,
			100, 100, 200, 200}}, 2,
			[]uint8{4, 12, 100, 200}},
		// 1 -> 4: 0, 0.25 (rounds to 0), 0.75 (rounds to 1), 1.
		{"rounding", raster{c: 1, h: 1, w: 2, pix: []uint8{0, 4}}, 4,
			[]uint8{0, 1, 3, 4, 0, 1, 3, 4, 0, 1, 3, 4, 0, 1, 3, 4}},
		{"planes resized independently", raster{c: 3, h: 1, w: 1, pix: []uint8{10, 20, 30}}, 2,
			[]uint8{10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]uint8, tc.src.c*tc.size*tc.size)
			resizeInto(tc.src, tc.size, got)
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBilinearTaps28To32(t *testing.T) {
	lo, hi, w := bilinearTaps(28, 32)
	// x=0: 0.5*28/32 - 0.5 = -0.0625, clamped to 0. x=31: 31.5*0.875 - 0.5 = 27.0625, both taps 27.
	// x=16: 16.5*0.875 - 0.5 = 13.9375.
	for _, tc := range []struct {
		x, lo, hi int
		w         float32
	}{{0, 0, 1, 0}, {16, 13, 14, 0.9375}, {31, 27, 27, 0.0625}} {
		if lo[tc.x] != tc.lo || hi[tc.x] != tc.hi || w[tc.x] != tc.w {
			t.Errorf("x=%d: taps (%d, %d, %v), want (%d, %d, %v)", tc.x, lo[tc.x], hi[tc.x], w[tc.x], tc.lo, tc.hi, tc.w)
		}
	}
}

func TestResizeConstantImageStaysConstant(t *testing.T) {
	for _, in := range [][2]int{{28, 28}, {5, 3}, {300, 200}} {
		src := raster{c: 1, h: in[0], w: in[1], pix: bytes.Repeat([]uint8{173}, in[0]*in[1])}
		for _, size := range []int{1, 7, 32, 224} {
			got := make([]uint8, size*size)
			resizeInto(src, size, got)
			if !bytes.Equal(got, bytes.Repeat([]uint8{173}, size*size)) {
				t.Errorf("%dx%d -> %d: not constant", in[1], in[0], size)
			}
		}
	}
}
