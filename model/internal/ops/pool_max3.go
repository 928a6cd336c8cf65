package ops

import (
	"sync"
	"unsafe"
)

// The 3x3 max pools (every pool of the network: the Inception pool branches' 3/1 and the stage pools'
// 3/2) run, on AVX-512 CPUs and in float32, through two vector passes over blocks of whole planes
// (pool_max3_amd64.s): a horizontal pass takes each input position's maximum over its window row
// (and which column held it), a vertical pass the maximum of three of those rows, with the plane index
// of the winner. The window borders are per-lane masks from tables that repeat every lcm(plane, 16)
// values, so tiny planes (2x2, 4x4, 7x7: most of the pools of a small-input network) run as fast per
// value as large ones; the plane-by-plane Go kernel (maxPoolPlane) spent most of its time on loop set-up
// there. Stride 2 computes the stride-1 result at every position and keeps every other row and column.
// The first maximum in row-major window order wins, as in maxPoolPlane; a NaN in a window gives NaN.

// maxPool3Block is about how many input values one block of planes holds (its two scratch arrays stay
// in the L2 cache).
const maxPool3Block = 8192

// maxPool3Tables are the lane tables of one plane geometry.
type maxPool3Tables struct {
	hm   []uint16 // per vector of 16 positions: validity masks of the window columns 0, 1, 2
	hp   int      // vectors per period of hm (lcm(W, 16) / 16)
	vt   []uint32 // per vector: 16 positions in the plane, then masks of window rows 0, 1 (low, high half), 2
	tp   int      // vectors per period of vt (lcm(H*W, 16) / 16)
	unit int      // planes per period of vt: blocks hold a multiple of it
}

var maxPool3Cache sync.Map // poolGeom with n and c zeroed -> *maxPool3Tables

// maxPool3Geometry reports whether the flat vector kernels (AVX-512 or AVX2) handle geometry g: a 3x3
// window whose output positions, times the stride, lie in the plane.
func maxPool3Geometry(g poolGeom) bool {
	return g.k == 3 && (g.oh-1)*g.stride < g.h && (g.ow-1)*g.stride < g.w
}

// useMaxPool3 reports whether the AVX-512 kernels run for geometry g.
func useMaxPool3(g poolGeom) bool { return hasAVX512Kernels && maxPool3Geometry(g) }

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// columnMasks returns the horizontal pass's table for vectors of lanes positions: per vector, over a
// period of hp = lcm(W, lanes) / lanes vectors, the lanes whose window column 0, 1, 2 lies inside the
// plane (the AVX-512 kernels' 16-lane masks, the AVX2 kernels' 8-lane ones).
func columnMasks[M uint8 | uint16](g poolGeom, lanes int) (hm []M, hp int) {
	hp = g.w / gcd(g.w, lanes)
	hm = make([]M, 3*hp)
	for v := 0; v < hp; v++ {
		for l := 0; l < lanes; l++ {
			c := (lanes*v + l) % g.w
			for tap := 0; tap < 3; tap++ {
				if cc := c + tap - g.pl; cc >= 0 && cc < g.w {
					hm[3*v+tap] |= 1 << l
				}
			}
		}
	}
	return hm, hp
}

// maxPool3TablesFor builds (once per geometry) the tables of g.
func maxPool3TablesFor(g poolGeom) *maxPool3Tables {
	key := g
	key.n, key.c = 0, 0
	if v, ok := maxPool3Cache.Load(key); ok {
		return v.(*maxPool3Tables)
	}
	hw := g.h * g.w
	t := &maxPool3Tables{tp: hw / gcd(hw, 16), unit: 16 / gcd(hw, 16)}
	t.hm, t.hp = columnMasks[uint16](g, 16)
	t.vt = make([]uint32, 18*t.tp)
	for v := 0; v < t.tp; v++ {
		e := t.vt[18*v : 18*(v+1)]
		var m [3]uint32
		for l := 0; l < 16; l++ {
			pos := (16*v + l) % hw
			e[l] = uint32(pos)
			for tap := 0; tap < 3; tap++ {
				if r := pos/g.w + tap - g.pt; r >= 0 && r < g.h {
					m[tap] |= 1 << l
				}
			}
		}
		e[16], e[17] = m[0]|m[1]<<16, m[2]
	}
	v, _ := maxPool3Cache.LoadOrStore(key, t)
	return v.(*maxPool3Tables)
}

// maxPool3Flat is maxPoolForward for the geometries useMaxPool3 accepts: y gets each window's maximum
// and idx (when not nil) the plane index of its first maximum; or short (when not nil, and idx nil)
// that index as a uint16 (the caller checked g.shortArgmax), stored so by the kernels themselves.
func maxPool3Flat(g poolGeom, x, y []float32, idx []int32, short []uint16) {
	t := maxPool3TablesFor(g)
	hw, ohw := g.h*g.w, g.oh*g.ow
	planes := g.n * g.c
	direct := g.stride == 1 && g.oh == g.h && g.ow == g.w
	per := max(1, maxPool3Block/(t.unit*hw)) * t.unit // planes per block
	blocks := (planes + per - 1) / per
	positions := idx != nil || short != nil
	narrow := 0 // the kernels' flag: positions stored as uint16
	if short != nil {
		narrow = 1
	}
	// at is where the positions of output o go.
	at := func(o int) unsafe.Pointer {
		if short != nil {
			return unsafe.Pointer(&short[o])
		}
		return unsafe.Pointer(&idx[o])
	}
	parallelRange(blocks, per*hw, func(lo, hi int) {
		size := per*hw + 16 // the passes write whole vectors
		hvBuf, hcBuf := getScratch[float32](size), getScratch[float32](size)
		defer putScratch(hvBuf)
		defer putScratch(hcBuf)
		hv, hc := *hvBuf, int32s(*hcBuf)
		var vy []float32
		var vi []int32
		if !direct {
			vyBuf, viBuf := getScratch[float32](size), getScratch[float32](size)
			defer putScratch(vyBuf)
			defer putScratch(viBuf)
			vy, vi = *vyBuf, int32s(*viBuf)
		}
		for b := lo; b < hi; b++ {
			p0 := b * per
			np := min(per, planes-p0)
			n := np * hw
			switch {
			case !positions: // inference: values only
				maxPoolH3V(&x[p0*hw], -g.pl, n, &hv[0], &t.hm[0], t.hp)
				if direct {
					maxPoolV3V(&hv[0], -g.pt*g.w, g.w, n, &y[p0*hw], &t.vt[0], t.tp)
					continue
				}
				maxPoolV3V(&hv[0], -g.pt*g.w, g.w, n, &vy[0], &t.vt[0], t.tp)
			case direct:
				maxPoolH3(&x[p0*hw], -g.pl, n, &hv[0], &hc[0], &t.hm[0], t.hp)
				maxPoolV3(&hv[0], &hc[0], -g.pt*g.w, g.w, g.pl, n, &y[p0*hw], at(p0*hw), &t.vt[0], t.tp, narrow)
				continue
			default:
				maxPoolH3(&x[p0*hw], -g.pl, n, &hv[0], &hc[0], &t.hm[0], t.hp)
				maxPoolV3(&hv[0], &hc[0], -g.pt*g.w, g.w, g.pl, n, &vy[0], unsafe.Pointer(&vi[0]), &t.vt[0], t.tp, 0)
			}
			if g.stride == 2 {
				for p := 0; p < np; p++ {
					o := (p0 + p) * ohw
					pickEvenRows(unsafe.Pointer(&y[o]), uint32s(vy[p*hw:]), g.oh, g.ow, 2*g.w, 0)
					if positions {
						pickEvenRows(at(o), (*uint32)(unsafe.Pointer(&vi[p*hw])), g.oh, g.ow, 2*g.w, narrow)
					}
				}
				continue
			}
			subsampleBlock(g, p0, np, vy, vi, y, idx, short)
		}
	})
}

// subsampleBlock keeps, for the np planes from p0 of a block whose stride-1 results (values vy,
// window positions vi) start at plane p0, every stride-th row and column: the outputs of a pool whose
// output is smaller than its input, into y and, when not nil, idx or short.
func subsampleBlock(g poolGeom, p0, np int, vy []float32, vi []int32, y []float32, idx []int32, short []uint16) {
	hw, ohw := g.h*g.w, g.oh*g.ow
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

// uint32s points at the bits of s[0] for pickEvenRows.
func uint32s(s []float32) *uint32 { return (*uint32)(unsafe.Pointer(&s[0])) }

// int32s views a float32 scratch buffer as int32s (the kernels store window positions there).
func int32s(s []float32) []int32 {
	return unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}
