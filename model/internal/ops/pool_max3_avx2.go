package ops

import (
	"sync"

	kern "inceptionlab/model/internal/gemm"
)

// The AVX2 3x3 max pool on CPUs without AVX-512: the same two flat passes as maxPool3Flat, 8 lanes
// wide, with byte masks per vector expanded through kern.LaneMasks8 (pool_max3_amd64.s), values only
// for inference and with window positions for training. On the Zen 4 VM held to AVX2, the
// plane-by-plane Go kernel they replace was 16% of a 224x16 inference and 9% of a training step.

// maxPool3Tables8 are the AVX2 kernels' lane tables of one plane geometry.
type maxPool3Tables8 struct {
	hm   []uint8  // per vector of 8 positions: validity masks of the window columns 0, 1, 2
	hp   int      // vectors per period of hm (lcm(W, 8) / 8)
	vt   []uint32 // per vector: 8 lanes' positions in the plane, the masks of window rows 0, 1, 2 as bytes, a pad word
	tp   int      // vectors per period of vt (lcm(H*W, 8) / 8)
	unit int      // planes per period of vt: blocks hold a multiple of it
}

var maxPool3Cache8 sync.Map // poolGeom with n and c zeroed -> *maxPool3Tables8

// maxPool3Tables8For builds (once per geometry) the AVX2 tables of g.
func maxPool3Tables8For(g poolGeom) *maxPool3Tables8 {
	key := g
	key.n, key.c = 0, 0
	if v, ok := maxPool3Cache8.Load(key); ok {
		return v.(*maxPool3Tables8)
	}
	hw := g.h * g.w
	t := &maxPool3Tables8{tp: hw / gcd(hw, 8), unit: 8 / gcd(hw, 8)}
	t.hm, t.hp = columnMasks[uint8](g, 8)
	t.vt = make([]uint32, 10*t.tp)
	for v := 0; v < t.tp; v++ {
		for l := 0; l < 8; l++ {
			pos := (8*v + l) % hw
			t.vt[10*v+l] = uint32(pos)
			for tap := 0; tap < 3; tap++ {
				if r := pos/g.w + tap - g.pt; r >= 0 && r < g.h {
					t.vt[10*v+8] |= 1 << (8*tap + l)
				}
			}
		}
	}
	v, _ := maxPool3Cache8.LoadOrStore(key, t)
	return v.(*maxPool3Tables8)
}

// useMaxPool3AVX2 reports whether the AVX2 kernels run for geometry g (a CPU with AVX2 where the
// AVX-512 ones do not).
func useMaxPool3AVX2(g poolGeom) bool { return hasAVX2Kernels && maxPool3Geometry(g) }

// maxPool3FlatAVX2 is maxPool3Flat in the AVX2 kernels: y gets each window's maximum (NaN if the window
// holds one; of equal values the first, so -0 and +0 keep their order), and idx or short (when not
// nil) the plane index of the first maximum, as int32 or uint16.
func maxPool3FlatAVX2(g poolGeom, x, y []float32, idx []int32, short []uint16) {
	t := maxPool3Tables8For(g)
	hw := g.h * g.w
	planes := g.n * g.c
	direct := g.stride == 1 && g.oh == g.h && g.ow == g.w
	positions := idx != nil || short != nil
	per := max(1, maxPool3Block/(t.unit*hw)) * t.unit // planes per block
	blocks := (planes + per - 1) / per
	parallelRange(blocks, per*hw, func(lo, hi int) {
		size := per*hw + 8 // the horizontal pass writes whole vectors
		hvBuf := getScratch[float32](size)
		defer putScratch(hvBuf)
		hv := *hvBuf
		var hc, vi []int32
		if positions {
			hcBuf, viBuf := getScratch[float32](size), getScratch[float32](size)
			defer putScratch(hcBuf)
			defer putScratch(viBuf)
			hc, vi = int32s(*hcBuf), int32s(*viBuf)
		}
		var vy []float32
		if !direct {
			vyBuf := getScratch[float32](size)
			defer putScratch(vyBuf)
			vy = *vyBuf
		}
		for b := lo; b < hi; b++ {
			p0 := b * per
			np := min(per, planes-p0)
			n := np * hw
			out := vy
			if direct {
				out = y[p0*hw:]
			}
			if !positions {
				maxPoolH3VAVX2(&x[p0*hw], -g.pl, n, &hv[0], &t.hm[0], t.hp, &kern.LaneMasks8)
				maxPoolV3VAVX2(&hv[0], -g.pt*g.w, g.w, n, &out[0], &t.vt[0], t.tp, &kern.LaneMasks8)
			} else {
				// Positions go to vi, then to idx or short (direct) or with the subsample below.
				ix := vi
				if direct && short == nil {
					ix = idx[p0*hw:]
				}
				maxPoolH3AVX2(&x[p0*hw], -g.pl, n, &hv[0], &hc[0], &t.hm[0], t.hp, &kern.LaneMasks8)
				maxPoolV3AVX2(&hv[0], &hc[0], -g.pt*g.w, g.w, g.pl, n, &out[0], &ix[0], &t.vt[0], t.tp, &kern.LaneMasks8)
				if direct && short != nil {
					for i, v := range vi[:n] {
						short[p0*hw+i] = uint16(v)
					}
				}
			}
			if !direct {
				subsampleBlock(g, p0, np, vy, vi, y, idx, short)
			}
		}
	})
}
