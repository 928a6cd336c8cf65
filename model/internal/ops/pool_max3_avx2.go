package ops

import "sync"

// The AVX2 3x3 max pool on CPUs without AVX-512: the same two flat passes as maxPool3Flat, 8 lanes
// wide, with byte masks per vector (pool_max3_amd64.s), values only for inference and with window
// positions for training. On the Zen 4 VM held to AVX2, the plane-by-plane Go kernel they replace was
// 16% of a 224x16 inference and 9% of a training step.

// maxPool3Tables8 are the AVX2 kernels' lane tables of one plane geometry.
type maxPool3Tables8 struct {
	hm   []uint8  // per vector of 8 positions: validity masks of the window columns 0, 1, 2
	hp   int      // vectors per period of hm (lcm(W, 8) / 8)
	vt   []uint8  // per vector: masks of window rows 0, 1, 2, then a pad byte
	vp   []uint32 // per vector, for the position kernel: 8 positions in the plane, the row masks as bytes, a pad word
	tp   int      // vectors per period of vt and vp (lcm(H*W, 8) / 8)
	unit int      // planes per period of vt: blocks hold a multiple of it
}

var maxPool3Cache8 sync.Map // poolGeom with n and c zeroed -> *maxPool3Tables8

// mask8Lanes[m] has lane i all ones where bit i of m is set: a byte mask as VMASKMOVPS and VBLENDVPS
// want it.
var mask8Lanes = func() (t [256][8]int32) {
	for m := range t {
		for i := 0; i < 8; i++ {
			if m&(1<<i) != 0 {
				t[m][i] = -1
			}
		}
	}
	return t
}()

// maxPool3Tables8For builds (once per geometry) the AVX2 tables of g.
func maxPool3Tables8For(g poolGeom) *maxPool3Tables8 {
	key := g
	key.n, key.c = 0, 0
	if v, ok := maxPool3Cache8.Load(key); ok {
		return v.(*maxPool3Tables8)
	}
	hw := g.h * g.w
	t := &maxPool3Tables8{hp: g.w / gcd(g.w, 8), tp: hw / gcd(hw, 8), unit: 8 / gcd(hw, 8)}
	t.hm = make([]uint8, 3*t.hp)
	for v := 0; v < t.hp; v++ {
		for l := 0; l < 8; l++ {
			c := (8*v + l) % g.w
			for tap := 0; tap < 3; tap++ {
				if cc := c + tap - g.pl; cc >= 0 && cc < g.w {
					t.hm[3*v+tap] |= 1 << l
				}
			}
		}
	}
	t.vt = make([]uint8, 4*t.tp)
	t.vp = make([]uint32, 10*t.tp)
	for v := 0; v < t.tp; v++ {
		for l := 0; l < 8; l++ {
			pos := (8*v + l) % hw
			t.vp[10*v+l] = uint32(pos)
			for tap := 0; tap < 3; tap++ {
				if r := pos/g.w + tap - g.pt; r >= 0 && r < g.h {
					t.vt[4*v+tap] |= 1 << l
				}
			}
		}
		m := t.vt[4*v : 4*v+4]
		t.vp[10*v+8] = uint32(m[0]) | uint32(m[1])<<8 | uint32(m[2])<<16
	}
	v, _ := maxPool3Cache8.LoadOrStore(key, t)
	return v.(*maxPool3Tables8)
}

// useMaxPool3AVX2 reports whether maxPool3FlatAVX2 handles g (the geometries of useMaxPool3, on a CPU
// with AVX2 where the AVX-512 kernels do not run).
func useMaxPool3AVX2(g poolGeom) bool {
	return hasMaxPool3AVX2 && g.k == 3 && (g.oh-1)*g.stride < g.h && (g.ow-1)*g.stride < g.w
}

// maxPool3FlatAVX2 is maxPool3Flat in the AVX2 kernels: y gets each window's maximum (NaN if the window
// holds one; of equal values the first, so -0 and +0 keep their order), and idx or short (when not
// nil) the plane index of the first maximum, as int32 or uint16.
func maxPool3FlatAVX2(g poolGeom, x, y []float32, idx []int32, short []uint16) {
	t := maxPool3Tables8For(g)
	hw, ohw := g.h*g.w, g.oh*g.ow
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
				maxPoolH3VAVX2(&x[p0*hw], -g.pl, n, &hv[0], &t.hm[0], t.hp, &mask8Lanes)
				maxPoolV3VAVX2(&hv[0], -g.pt*g.w, g.w, n, &out[0], &t.vt[0], t.tp, &mask8Lanes)
			} else {
				// Positions go to vi, then to idx or short (direct) or with the subsample below.
				ix := vi
				if direct && short == nil {
					ix = idx[p0*hw:]
				}
				maxPoolH3AVX2(&x[p0*hw], -g.pl, n, &hv[0], &hc[0], &t.hm[0], t.hp, &mask8Lanes)
				maxPoolV3AVX2(&hv[0], &hc[0], -g.pt*g.w, g.w, g.pl, n, &out[0], &ix[0], &t.vp[0], t.tp, &mask8Lanes)
				if direct && short != nil {
					for i, v := range vi[:n] {
						short[p0*hw+i] = uint16(v)
					}
				}
			}
			if direct {
				continue
			}
			for p := 0; p < np; p++ {
				o := (p0 + p) * ohw
				for i := 0; i < g.oh; i++ {
					src := p*hw + i*g.stride*g.w
					for j := 0; j < g.ow; j++ {
						k := o + i*g.ow + j
						y[k] = vy[src+j*g.stride]
						switch {
						case short != nil:
							short[k] = uint16(vi[src+j*g.stride])
						case idx != nil:
							idx[k] = vi[src+j*g.stride]
						}
					}
				}
			}
		}
	})
}
