package gemm

import (
	"fmt"
	"math"
	"sync"
)

// ConvB describes the column matrix of one sample's convolution (what im2col builds) so that the GEMM
// can pack its panels straight from the sample instead: row r = (c*K + kh)*K + kw and column
// q = oh*OW + ow of B is x[c*H*W + ih*W + iw] with ih = oh*S - PT + kh and iw = ow*S - PL + kw (S the
// stride, 1 when Stride is 0), or 0 where
// that falls outside the H x W plane (padding). An implicit GEMM in oneDNN's sense: the C*K*K x OH*OW
// matrix (7 MB for a 3x3 convolution of 64 channels at 56x56) is never written and read back; each
// B panel is filled from the sample's planes right before the kernels read it.
//
// With N > 1 the matrix holds N samples side by side (a batched convolution's chunk): column j*OH*OW + q
// is column q of sample j, whose values start at x[j*C*H*W].
type ConvB struct {
	C, H, W, K, PT, PL, OH, OW int
	N                          int // samples side by side; 0 means 1
	Stride                     int // 0 means 1
}

func (g ConvB) stride() int { return max(g.Stride, 1) }

// rows is the depth of the column matrix (C*K*K), cols its width (N*OH*OW).
func (g ConvB) rows() int { return g.C * g.K * g.K }
func (g ConvB) cols() int { return g.samples() * g.OH * g.OW }

func (g ConvB) samples() int { return max(g.N, 1) }

// valid reports whether the geometry describes a column matrix the packer can read from have values.
func (g ConvB) valid(have int) bool {
	return g.C > 0 && g.H > 0 && g.W > 0 && g.K > 0 && g.PT >= 0 && g.PL >= 0 && g.OH > 0 && g.OW > 0 &&
		g.N >= 0 && g.Stride >= 0 && have >= g.samples()*g.C*g.H*g.W
}

// GemmPackedConvBiasAct computes relu?(op(A)*B + bias) into c (pa.m x OH*OW, leading dimension ldc),
// where B is the column matrix cb of the sample x (C x H x W), packed straight from x: a per-sample
// convolution's forward pass without im2col. It reports false, doing nothing, when the back end has no
// packed form or the implicit GEMM is not the faster way for this geometry (see hasPackedConv; then
// the caller builds the column matrix and calls GemmPackedBiasAct). The result is bit for bit
// GemmPackedBiasAct on the column matrix im2col builds.
func GemmPackedConvBiasAct[T Float](pa *PackedA[T], workers int, cb ConvB, x []T, c []T, ldc int, bias []T, relu bool) bool {
	if !hasPackedConv(pa, cb) {
		return false
	}
	if len(bias) < pa.m {
		panic(fmt.Sprintf("model: gemm: bias has %d values for %d rows", len(bias), pa.m))
	}
	return gemmPackedConv(pa, workers, cb, x, c, ldc, epilogue{bias: f32(bias)[:pa.m], relu: relu})
}

// GemmPackedConv is GemmPackedConvBiasAct without the bias and activation: c = op(A)*B.
func GemmPackedConv[T Float](pa *PackedA[T], workers int, cb ConvB, x []T, c []T, ldc int) bool {
	if !hasPackedConv(pa, cb) {
		return false
	}
	return gemmPackedConv(pa, workers, cb, x, c, ldc, epilogue{})
}

// ConvImplicit reports whether GemmPackedConv can multiply filters packed by PackA on this back end by
// the column matrix cb.
func ConvImplicit[T Float](cb ConvB) bool {
	var z T
	if _, ok := any(z).(float32); !ok {
		return false
	}
	uk := activeBLAS().kernel
	return uk != nil && convGeomOK(*uk, cb)
}

// GemmPackedConvToSamples is GemmPackedToSamples for a batched convolution whose B is the column matrix
// cb of cb.N samples starting at x, packed straight from them: relu?(op(A)*B + bias) with column
// j*p+q stored at y[j*outSize + i*p + q]; c (pa.m x cb.N*p) is scratch for the k slices before the
// last. It reports false, doing nothing, where GemmPackedConvBiasAct would. Bit for bit
// GemmPackedToSamples on the column matrix im2colChunk builds.
func GemmPackedConvToSamples[T Float](pa *PackedA[T], workers int, cb ConvB, x []T, c, y []T, outSize int, bias []T, relu bool) bool {
	if !hasPackedConv(pa, cb) {
		return false
	}
	p, n := cb.OH*cb.OW, cb.cols()
	if len(bias) < pa.m || outSize < pa.m*p || len(y) < (cb.samples()-1)*outSize+pa.m*p {
		panic(fmt.Sprintf("model: gemm: %d columns of %d-position samples (%d apart) into %d values, %d biases for %d rows", n, p, outSize, len(y), len(bias), pa.m))
	}
	return gemmPackedConv(pa, workers, cb, x, c, n, epilogue{bias: f32(bias)[:pa.m], relu: relu, y: f32(y), p: p, outSize: outSize})
}

// hasPackedConv reports whether the implicit GEMM is the faster way to multiply pa by the column
// matrix cb: pa has the packed form (float32, pure-Go GEMM with either micro-kernel), kernels are at
// most 8x8, and either cb is a stride-1 convolution with output rows as wide as its input rows (SAME
// padding: every 3x3, 5x5 and 1x1 convolution of the network) or a stride-2 convolution (the first
// layer). For the AVX-512 kernel's 32-wide panels, a stride-2 panel within two output rows of one
// sample (output rows of 32 or more: the first layer at 64x64 and up) is packed with aligned loads and
// permutes; others (the first layer of a small input: 16x16 output rows at 32x32, several samples per
// GEMM) with gathers, which BenchmarkForward/32x128 measured faster than im2col and a panel copy. The
// AVX2 kernel's 16-wide panels have the one-sample and gather packers only (packConvRows16,
// packConvRows16G): held to AVX2, a 224x16 inference profile went from 15.9 to 12.2 s of samples.
func hasPackedConv[T Float](pa *PackedA[T], cb ConvB) bool {
	_, ok := any(pa.a).([]float32)
	if !ok || pa.buf == nil || pa.m == 0 || pa.k == 0 {
		return false
	}
	return convGeomOK(pa.uk, cb)
}

// convGeomOK is hasPackedConv's test of the kernel and the geometry.
func convGeomOK(uk sgemmMicro, cb ConvB) bool {
	if (uk.nr != 32 && uk.nr != 16) || cb.K > maxConvK || cb.samples()*cb.C*cb.H*cb.W > math.MaxInt32 {
		return false
	}
	if cb.stride() == 2 { // packConvRows32S2 for panels in at most two output rows of a sample, else gathers
		return true
	}
	return cb.stride() == 1 && cb.OW == cb.W
}

// f32 is s as float32 values, nil when T is float64.
func f32[T Float](s []T) []float32 {
	v, _ := any(s).([]float32)
	return v
}

// gemmPackedConv runs the packed GEMM (hasPackedConv) with B packed from the samples x (see ConvB) and
// the epilogue epi.
func gemmPackedConv[T Float](pa *PackedA[T], workers int, cb ConvB, x []T, c []T, ldc int, epi epilogue) bool {
	x32 := f32(x)
	if !cb.valid(len(x32)) || cb.rows() != pa.k {
		panic(fmt.Sprintf("model: gemm: convolution columns %+v do not fit %d input values and %d filter rows", cb, len(x32), pa.k))
	}
	n := cb.cols()
	c32 := f32(c)
	checkGemm(pa.tA, false, pa.m, n, pa.k, len(pa.a), pa.lda, pa.k*n, n, len(c32), ldc)
	sgemmPackedParG(pa.uk, max(workers, 1), pa.tA, false, pa.m, n, pa.k, float32(pa.alpha), nil, pa.lda, *pa.buf, x32, 0, 0, c32, ldc, epi, 0, 0, cb)
	return true
}

// packBConv is packB for the column matrix g of the samples x (see ConvB; hasPackedConv has checked the
// geometry): rows [p0, p0+kc), panels [jp0, jp1) of nr = 32 columns, in assembly. A panel within one
// sample is two masked loads per row (packConvRows32; stride 2: packConvRows32S2), its lane masks made
// from the panel's runs along output rows; a stride-1 panel over two samples is four masked loads per
// row (packConvRows32Two, packConvRows16Two for the AVX2 kernel's 16-wide panels); a panel spanning
// more samples (small maps side by side), or a stride-2 panel over more than two output rows, is two
// masked gathers per row (packConvRows32G, packConvRows16G).
func packBConv(x []float32, g *ConvB, p0, kc, n, nr, jp0, jp1 int, bp []float32) {
	var runs [sgemmMaxNR]convRun
	if nr != 32 && nr != 16 {
		panic(fmt.Sprintf("model: gemm: the convolution packers fill 32- or 16-wide panels, got %d", nr))
	}
	wide := nr == 32 // the AVX-512 kernel's panels; 16: the AVX2 kernel's, which have only the one-sample and gather packers
	hw, p, st := g.H*g.W, g.OH*g.OW, g.stride()
	tabs := convTablesFor(g) // the per-row offsets and taps every packer reads
	for jp := jp0; jp < jp1; jp++ {
		j0 := jp * nr
		nw := min(nr, n-j0)
		dst := bp[(jp-jp0)*kc*nr : (jp-jp0+1)*kc*nr]
		nrun := 0
		for q := 0; q < nw; {
			col := j0 + q
			s, pos := col/p, col%p
			oh, ow := pos/g.OW, pos%g.OW
			l := min(g.OW-ow, nw-q)
			runs[nrun] = convRun{q, s * g.C * hw, oh, ow, l}
			nrun++
			q += l
		}
		rs := runs[:nrun]
		oneSample := rs[0].at == rs[nrun-1].at
		if wide && st == 2 && oneSample && nrun <= 2 {
			packPanelS2(x, g, tabs, rs[0].at, [2][4]int{{rs[0].q, rs[0].oh, rs[0].ow, rs[0].l}, {rs[nrun-1].q, rs[nrun-1].oh, rs[nrun-1].ow, rs[nrun-1].l}}, nrun, p0, kc, dst)
			continue
		}
		split := 1 // the first run in another sample than the first run's
		for split < nrun && rs[split].at == rs[0].at {
			split++
		}
		if st == 1 && !oneSample && rs[split].at == rs[nrun-1].at {
			// Over two samples: four masked loads per row, each sample's lanes from its own base
			// (lane i of a sample whose positions start at lane q, position pos, reads from
			// base + i with base = sample + pos - q).
			var m [2][maxConvK * maxConvK]uint32
			m[0], m[1] = runMasks(g, rs[:split]), runMasks(g, rs[split:])
			u, v := rs[0], rs[split]
			base0, base1 := u.at+u.oh*g.OW+u.ow-u.q, v.at+v.oh*g.OW+v.ow-v.q
			if !wide {
				packConvRows16Two(&dst[0], &x[0], base0, base1, &tabs.offs[p0], &tabs.taps[p0], &m, kc, &LaneMasks8)
				continue
			}
			packConvRows32Two(&dst[0], &x[0], base0, base1, &tabs.offs[p0], &tabs.taps[p0], &m[0][0], &m[1][0], kc)
			continue
		}
		if st != 1 || !oneSample { // over three or more samples, or stride 2 over more than two output rows: masked gathers
			idx, masks := gatherTables(g, nr, j0%p, nw)
			if !wide {
				packConvRows16G(&dst[0], &x[0], rs[0].at, &tabs.offs[p0], &tabs.taps[p0], &masks[0], kc, &idx[0], &LaneMasks8)
				continue
			}
			packConvRows32G(&dst[0], &x[0], rs[0].at, &tabs.offs[p0], &tabs.taps[p0], &masks[0], kc, &idx[0])
			continue
		}
		// The whole panel in one sample: two masked loads per row. Lane 0 is position j0 - (sample
		// start) = row*OW + ow of the sample: with OW == W its input index for tap (c, kh, kw) is that
		// position plus offs[tap].
		masks := runMasks(g, rs)
		base := rs[0].at + rs[0].oh*g.OW + rs[0].ow
		if !wide {
			packConvRows16(&dst[0], &x[0], base, &tabs.offs[p0], &tabs.taps[p0], &masks[0], kc, &LaneMasks8)
			continue
		}
		packConvRows32(&dst[0], &x[0], base, &tabs.offs[p0], &tabs.taps[p0], &masks[0], kc)
	}
}

// LaneMasks8[m] has lane i all ones where bit i of m is set: one byte of a lane mask as AVX2's
// VMASKMOVPS, VBLENDVPS and VGATHERDPS want it (the AVX2 packers here, ops' AVX2 max pools).
var LaneMasks8 = func() (t [256][8]int32) {
	for m := range t {
		for i := 0; i < 8; i++ {
			if m&(1<<i) != 0 {
				t[m][i] = -1
			}
		}
	}
	return t
}()

// convRun is the part of a B panel that lies in one output row of one sample: panel column q, the
// sample's offset in x, output row and column, length.
type convRun struct{ q, at, oh, ow, l int }

// runMasks returns, per kernel tap, the lanes of the runs rs (stride 1, OW == W) whose input lies
// inside the plane.
func runMasks(g *ConvB, rs []convRun) [maxConvK * maxConvK]uint32 {
	var rowM, colM [maxConvK]uint32
	for _, u := range rs {
		lanes := bitRange(u.q, u.q+u.l)
		for kh := 0; kh < g.K; kh++ {
			if ih := u.oh - g.PT + kh; ih >= 0 && ih < g.H {
				rowM[kh] |= lanes
			}
		}
		for kw := 0; kw < g.K; kw++ {
			// Lanes whose input column u.ow + i + kw - PL lies in [0, W).
			lo, hi := max(0, g.PL-kw-u.ow), min(u.l, g.W+g.PL-kw-u.ow)
			if lo < hi {
				colM[kw] |= bitRange(u.q+lo, u.q+hi)
			}
		}
	}
	var masks [maxConvK * maxConvK]uint32
	for kh := 0; kh < g.K; kh++ {
		for kw := 0; kw < g.K; kw++ {
			masks[kh*g.K+kw] = rowM[kh] & colM[kw]
		}
	}
	return masks
}

// maxConvK is the widest kernel packConvRows32's masks are kept for (GoogLeNet's widest is 7x7).
const maxConvK = 8

// bitRange is the mask of bits [lo, hi).
func bitRange(lo, hi int) uint32 { return uint32((uint64(1)<<hi - 1) &^ (uint64(1)<<lo - 1)) }

// convRowTables are, per row t = (c*K + kh)*K + kw of a column matrix with OW == W and stride 1, the
// offset of its input value from the position's own index, c*H*W + (kh-PT)*W + (kw-PL), and its kernel
// tap kh*K + kw: what packConvRows32 reads per row.
type convRowTables struct {
	offs []int32
	taps []uint8
}

var convTables sync.Map // ConvB with N 0 -> *convRowTables

// convTablesFor returns the row tables of g's geometry, built once.
func convTablesFor(g *ConvB) *convRowTables {
	key := *g
	key.N = 0
	if v, ok := convTables.Load(key); ok {
		return v.(*convRowTables)
	}
	kk := g.K * g.K
	t := &convRowTables{offs: make([]int32, g.rows()), taps: make([]uint8, g.rows())}
	for r := range t.offs {
		c, tap := r/kk, r%kk
		kh, kw := tap/g.K, tap%g.K
		t.offs[r] = int32(c*g.H*g.W + (kh-g.PT)*g.W + kw - g.PL)
		t.taps[r] = uint8(tap)
	}
	v, _ := convTables.LoadOrStore(key, t)
	return v.(*convRowTables)
}

// gatherTables returns, for a panel of nw (of nr) lanes whose first lane is position phase of a sample
// (p = OH*OW positions), each lane's offset from that sample's values, (sample index from the
// first)*C*H*W + the input index of its window's origin (stride*oh)*W + stride*ow, and per kernel tap
// the lanes whose input lies inside the plane: with convRowTables' offs, lane l of row r reads
// x[idx[l] + offs[r]]. Built once per geometry, phase and width (gatherCache): a packBConv call per
// kc slice and worker rebuilt them, 2% of a 32x128 inference step.
func gatherTables(g *ConvB, nr, phase, nw int) (*[32]int32, *[maxConvK * maxConvK]uint32) {
	key := gatherKey{*g, phase, nw}
	key.g.N = 0
	if v, ok := gatherCache.Load(key); ok {
		t := v.(*gatherTable)
		return &t.idx, &t.masks
	}
	p, st := g.OH*g.OW, g.stride()
	t := new(gatherTable)
	for l := 0; l < nw; l++ {
		col := phase + l
		q := col % p
		oh, ow := q/g.OW, q%g.OW
		t.idx[l] = int32((col/p)*g.C*g.H*g.W + st*oh*g.W + st*ow)
		for kh := 0; kh < g.K; kh++ {
			ih := st*oh - g.PT + kh
			for kw := 0; kw < g.K; kw++ {
				if iw := st*ow - g.PL + kw; ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
					t.masks[kh*g.K+kw] |= 1 << l
				}
			}
		}
	}
	v, _ := gatherCache.LoadOrStore(key, t)
	t = v.(*gatherTable)
	return &t.idx, &t.masks
}

// gatherKey is a gather table's geometry (N zeroed: the tables hold sample offsets relative to the
// panel's first sample), first-lane phase and width.
type gatherKey struct {
	g         ConvB
	phase, nw int
}

// gatherTable is what gatherTables returns.
type gatherTable struct {
	idx   [32]int32
	masks [maxConvK * maxConvK]uint32
}

var gatherCache sync.Map // gatherKey -> *gatherTable

// evenLanes is VPERMT2PS's index vector for packConvRows32S2: the even values of a 32-value window.
var evenLanes = [16]int32{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}

// spreadBytes[b] has bit i of b at bit 2i.
var spreadBytes = func() (t [256]uint16) {
	for b := range t {
		for i := 0; i < 8; i++ {
			if b&(1<<i) != 0 {
				t[b] |= 1 << (2 * i)
			}
		}
	}
	return t
}()

// spreadEven moves bit i of m to bit 2i: the 64-value window positions of a stride-2 panel's lanes.
func spreadEven(m uint32) uint64 {
	return uint64(spreadBytes[m&255]) | uint64(spreadBytes[m>>8&255])<<16 | uint64(spreadBytes[m>>16&255])<<32 |
		uint64(spreadBytes[m>>24])<<48
}

// packPanelS2 packs rows [p0, p0+kc) of one 32-wide panel of a stride-2 convolution's column matrix
// whose lanes lie in sample at (offset in x) and in at most two output rows, segs[0] and, when nseg is
// 2, segs[1] (panel lane, output row, output column, length each), with packConvRows32S2.
func packPanelS2(x []float32, g *ConvB, t *convRowTables, at int, segs [2][4]int, nseg, p0, kc int, dst []float32) {
	var masks [2][maxConvK * maxConvK]uint64
	var bases [2]int
	for s := 0; s < nseg; s++ {
		q, oh, ow, l := segs[s][0], segs[s][1], segs[s][2], segs[s][3]
		// Lane q+i reads input column 2*(ow+i) + kw - PL of input row 2*oh + kh - PT, at
		// x[bases[s] + offs[tap] + 2*(q+i)].
		bases[s] = at + 2*oh*g.W + 2*ow - 2*q
		for kw := 0; kw < g.K; kw++ {
			lo := max(0, ceilDiv(g.PL-kw-2*ow, 2))
			hi := min(l, floorDiv(g.W-1-kw+g.PL-2*ow, 2)+1)
			if lo >= hi {
				continue
			}
			lanes := spreadEven(bitRange(q+lo, q+hi))
			for kh := 0; kh < g.K; kh++ {
				if ih := 2*oh + kh - g.PT; ih >= 0 && ih < g.H {
					masks[s][kh*g.K+kw] = lanes
				}
			}
		}
	}
	if nseg < 2 {
		bases[1] = bases[0] // masks[1] is all zero: the second segment is skipped
	}
	packConvRows32S2(&dst[0], &x[0], bases[0], bases[1], &t.offs[p0], &t.taps[p0], &masks[0][0], &masks[1][0], kc, &evenLanes[0])
}

// ceilDiv and floorDiv divide rounding up and down, also for negative a (b > 0).
func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
