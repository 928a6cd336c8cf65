package gemm

import (
	"math"
	"sync"

	"inceptionlab/model/internal/par"
)

// sgemmPackedPar is the packed GEMM on up to workers goroutines that share one packed copy of each
// operand: per sgemmKC-deep slice of k, the workers first pack that slice of op(A) (all its rows, scaled
// by alpha) and of op(B) together, each a share of the panels, then run the micro-kernel on disjoint
// tiles of C (sgemmTiles). Splitting C into blocks and running a whole GEMM per block instead (what
// gemmPar does for the other back ends) makes every worker pack all of the operand it does not split:
// on the batched small-map convolutions, GEMMs a few hundred columns wide, that duplicated packing
// cost as much as the split saved. Every element of C gets the same sequence of kernel calls whatever
// the number of workers, so the result does not depend on it (TestSgemmPackedParMatchesSerial).
func sgemmPackedPar(uk sgemmMicro, workers int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPackedParA(uk, workers, tA, tB, m, n, k, alpha, a, lda, nil, b, ldb, beta, c, ldc)
}

// sgemmPackedParA is sgemmPackedPar with op(A) already packed in pre (PackA's layout: per sgemmKC
// slice of k, all of A's panels) when pre is not nil; a is then not read.
func sgemmPackedParA(uk sgemmMicro, workers int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, pre, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPackedParE(uk, workers, tA, tB, m, n, k, alpha, a, lda, pre, b, ldb, beta, c, ldc, epilogue{}, 0, 0)
}

// epilogue is what the tiles of C get after their last k slice: bias[i] added to row i, then a ReLU
// (see BiasAct). With y set, the results go to y instead, column j*p+q of C being position q of sample j
// in NCHW (y[j*outSize + i*p + q]): a batched convolution's output, scattered while the tile is in L1
// rather than by another pass over C; with y set and no bias, the tiles are only scattered. The zero
// epilogue does nothing.
type epilogue struct {
	bias       []float32
	relu       bool
	y          []float32
	p, outSize int
}

// on reports whether the epilogue does anything.
func (e *epilogue) on() bool { return e.bias != nil || e.y != nil }

// apply runs the epilogue on the mh x nw tile of C at row i, column j0 (leading dimension ldc).
func (e *epilogue) apply(c []float32, ldc, i, j0, mh, nw int) {
	if e.y != nil {
		e.scatter(c, ldc, i, j0, mh, nw)
		return
	}
	c = c[j0:]
	for r := 0; r < mh; r++ {
		row := c[(i+r)*ldc:][:nw]
		b := e.bias[i+r]
		if e.relu {
			biasRelu32(row, row, b)
			continue
		}
		for q := range row {
			row[q] += b
		}
	}
}

// inSample runs the kernel for the full tile (uk.nr wide) at row i, column j0 straight into y when
// its columns lie in one sample (see sgemmTiles), with the bias (+ ReLU) when last, and reports
// whether it did.
func (e *epilogue) inSample(uk sgemmMicro, kc int, acc bool, a, b *float32, i, j0 int, last bool) bool {
	at, ok := e.sampleAt(i, j0, sgemmMR, uk.nr)
	if !ok {
		return false
	}
	p := e.p
	if last && e.bias != nil {
		_ = e.bias[i+sgemmMR-1]
		uk.runBias(kc, a, b, &e.y[at], p, acc, &e.bias[i], e.relu)
		return true
	}
	uk.run(kc, a, b, &e.y[at], p, acc)
	return true
}

// sampleAt returns where in y the nr-wide tile of mh rows at row i, column j0 starts (its rows p
// apart) when its columns lie in one sample.
func (e *epilogue) sampleAt(i, j0, mh, nr int) (int, bool) {
	p := e.p
	s := j0 / p
	if (j0+nr-1)/p != s {
		return 0, false
	}
	at := s*e.outSize + i*p + j0 - s*p
	_ = e.y[at+(mh-1)*p+nr-1]
	return at, true
}

// rowsTile runs the AVX-512 kernel for the full-width tile of the last mh < 6 rows of C at row i,
// column j0 (sgemmKernel6x32Rows: only those rows are read and stored), then its epilogue as
// sgemmTiles would: in y itself when in is set and the tile lies in one sample, the bias (+ ReLU) in
// registers when fused, else epi.apply. It replaces the kernel into the edge buffer and a copy per row
// (with 6-row panels, every M that is not a multiple of 6 has such a tile per column: conv1's 64
// filters are 10 panels and 4 rows).
func rowsTile(kc int, acc bool, a, b *float32, c []float32, ldc, i, j0, mh int, epi, in *epilogue, fused bool) {
	if in != nil {
		if at, ok := in.sampleAt(i, j0, mh, sgemmMaxNR); ok {
			var bias *float32
			if epi != nil && in.bias != nil {
				_ = in.bias[i+mh-1]
				bias = &in.bias[i]
			}
			sgemmKernel6x32Rows(kc, a, b, &in.y[at], in.p, acc, bias, in.relu, mh)
			return
		}
	}
	_ = c[(i+mh-1)*ldc+j0+sgemmMaxNR-1]
	if fused {
		_ = epi.bias[i+mh-1]
		sgemmKernel6x32Rows(kc, a, b, &c[i*ldc+j0], ldc, acc, &epi.bias[i], epi.relu, mh)
		return
	}
	sgemmKernel6x32Rows(kc, a, b, &c[i*ldc+j0], ldc, acc, nil, false, mh)
	if epi != nil {
		epi.apply(c, ldc, i, j0, mh, sgemmMaxNR)
	}
}

// scatterAsmMaxP is the largest positions-per-sample for which scatter uses scatterTile32: there a
// tile row holds a run per sample of at most p values, each a call (and a short masked store) in
// scatterRuns. BenchmarkScatterEpilogue (13x32 tiles, bias+ReLU, Zen 4 VM): scatter costs ~28 us per
// 20k tiles whatever p, runs cost 150 us at p=1, 54 at p=4 and 6, 27-31 at p=8 (a tie), 36 at p=9 and
// 13 at p=16, so the scatter is kept to p < 8 (the 2x2 and 1x1 maps of a 32-pixel input).
const scatterAsmMaxP = 7

// scatter is apply with y set.
func (e *epilogue) scatter(c []float32, ldc, i, j0, mh, nw int) {
	if e.p <= scatterAsmMaxP && epilogueAVX512 && nw <= 32 && len(e.y) <= math.MaxInt32 {
		e.scatterTile(c, ldc, i, j0, mh, nw)
		return
	}
	e.scatterRuns(c, ldc, i, j0, mh, nw)
}

// scatterTile is scatter by scatterTile32: the tile's column q goes to offset idx[q] from y[i*p] in
// row 0 and p further in each following row.
func (e *epilogue) scatterTile(c []float32, ldc, i, j0, mh, nw int) {
	var idx [32]int32
	p := e.p
	s, pos := j0/p, j0%p
	for q := 0; q < nw; q++ {
		idx[q] = int32(s*e.outSize + pos)
		if pos++; pos == p {
			s, pos = s+1, 0
		}
	}
	// idx grows with q (outSize >= p), so lane nw-1 of row mh-1 is the farthest value written.
	_ = e.y[i*p+int(idx[nw-1])+(mh-1)*p]
	_ = c[(i+mh-1)*ldc+j0+nw-1]
	mode, b := 0, (*float32)(nil)
	if e.bias != nil {
		mode, b = 1, &e.bias[i]
		_ = e.bias[i+mh-1]
		if e.relu {
			mode = 2
		}
	}
	scatterTile32(&e.y[i*p], &c[i*ldc+j0], ldc, mh, &idx[0], p, uint32(uint64(1)<<nw-1), b, mode)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scatterRuns is scatter one run of a sample's positions at a time.
func (e *epilogue) scatterRuns(c []float32, ldc, i, j0, mh, nw int) {
	p := e.p
	for q := 0; q < nw; {
		col := j0 + q
		s, pos := col/p, col%p
		l := min(p-pos, nw-q)
		for r := 0; r < mh; r++ {
			src := c[(i+r)*ldc+col:][:l]
			dst := e.y[s*e.outSize+(i+r)*p+pos:][:l]
			if e.bias == nil {
				copy(dst, src)
				continue
			}
			b := e.bias[i+r]
			if e.relu {
				biasRelu32(dst, src, b)
				continue
			}
			for k, v := range src {
				dst[k] = v + b
			}
		}
		q += l
	}
}

// sgemmPackedParE is sgemmPackedParA with an epilogue applied to every tile of C after its last k slice,
// and, when sp > 0, B holding samples side by side (see GemmPackedSamples: b is x, ldb unused).
func sgemmPackedParE(uk sgemmMicro, workers int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, pre, b []float32, ldb int, beta float32, c []float32, ldc int, epi epilogue, sp, sstride int) {
	if k == 0 || alpha == 0 || m == 0 || n == 0 {
		scaleRows(m, n, beta, c, ldc)
		if epi.on() {
			for i := 0; i < m; i++ {
				epi.apply(c, ldc, i, 0, 1, n)
			}
		}
		return
	}
	if beta != 0 && beta != 1 {
		scaleRows(m, n, beta, c, ldc)
	}
	sgemmPackedParG(uk, workers, tA, tB, m, n, k, alpha, a, lda, pre, b, ldb, beta, c, ldc, epi, sp, sstride, ConvB{})
}

// sgemmPackedParG is sgemmPackedParE after its checks, with, when conv is not the zero ConvB, B the
// column matrix conv of the samples b (GemmPackedConvBiasAct). The caller has handled k, alpha, m or n
// of 0 and a beta other than 0 or 1.
func sgemmPackedParG(uk sgemmMicro, workers int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, pre, b []float32, ldb int, beta float32, c []float32, ldc int, epi epilogue, sp, sstride int, conv ConvB) {
	nr := uk.nr
	g := parGemms.Get().(*parGemm)
	defer g.release()
	*g = parGemm{uk: uk, tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
		epi: epi, sp: sp, sstride: sstride, conv: conv, pre: pre, beta: beta, packFn: g.packFn, tilesFn: g.tilesFn,
		columnsFn: g.columnsFn}
	g.bPanels = (n + nr - 1) / nr
	g.aPanels = (m + sgemmMR - 1) / sgemmMR
	g.workers = max(1, min(workers, max(g.bPanels, g.aPanels)))
	kcMax := min(k, sgemmKC)
	g.kcMax = kcMax
	bBuf := getScratch[float32](kcMax * g.bPanels * nr)
	defer putScratch(bBuf)
	g.bp = *bBuf
	if pre == nil {
		aBuf := getScratch[float32](kcMax * g.aPanels * sgemmMR)
		defer putScratch(aBuf)
		g.ap = *aBuf
	}
	// The tiles of C are split by B panels when there are enough of them (each worker then packs the B
	// panels it uses), else by A panels (the workers share every B panel).
	g.byB = g.bPanels >= 2*g.workers || g.bPanels >= g.aPanels
	g.tasks = g.bPanels // the packing tasks: B panels, then A panels unless A comes packed
	if pre == nil {
		g.tasks += g.aPanels
	}
	if pre != nil && g.byB {
		par.Do(g.workers, g.columnsFn)
		return
	}
	for g.p0 = 0; g.p0 < k; g.p0 += sgemmKC {
		g.kc = min(sgemmKC, k-g.p0)
		// With beta == 0 the first slice overwrites C (which is never read, so NaNs in it vanish, as
		// BLAS specifies); every other slice adds to it.
		g.acc = beta != 0 || g.p0 > 0
		if pre != nil {
			g.ap = pre[g.p0*g.aPanels*sgemmMR:]
		}
		if pre == nil || !g.byB { // with A packed and B split, each worker packs its B panels in tiles (and
			// pack, which would only pack A, is not run)
			par.Do(g.workers, g.packFn)
		}
		par.Do(g.workers, g.tilesFn)
	}
}

// parGemm is the state of one sgemmPackedParA call that its phases (pack, tiles) read, one per kc-deep
// slice of k. It is pooled, with the two phases' method values made once per pooled value: a call then
// allocates nothing (closures over the call's variables were ~20% of a training step's allocations).
type parGemm struct {
	uk               sgemmMicro
	workers          int
	tA, tB           bool
	m, n, k          int
	alpha            float32
	a, b, c          []float32
	lda, ldb, ldc    int
	ap, bp           []float32 // packed slices of op(A) and op(B)
	aPanels, bPanels int
	tasks            int  // packing tasks: B panels, then A panels unless A comes packed
	byB              bool // the workers split B's panels, else A's
	p0, kc           int  // the current slice of k
	acc              bool // the current slice adds to C
	epi              epilogue
	sp, sstride      int       // B holds samples side by side (GemmPackedSamples) when sp > 0
	conv             ConvB     // B is this column matrix of the samples b unless zero (GemmPackedConvBiasAct)
	pre              []float32 // op(A) packed by the caller (PackA's layout), nil when packed here
	beta             float32
	kcMax            int // the deepest slice
	packFn, tilesFn  func(w int)
	columnsFn        func(w int)
}

var parGemms = sync.Pool{New: func() any {
	g := new(parGemm)
	g.packFn, g.tilesFn, g.columnsFn = g.pack, g.tiles, g.columns
	return g
}}

// release drops the call's slices (so the pool holds no caller memory) and returns g to the pool.
func (g *parGemm) release() {
	*g = parGemm{packFn: g.packFn, tilesFn: g.tilesFn, columnsFn: g.columnsFn}
	parGemms.Put(g)
}

// pack packs worker w's share of the current slice.
func (g *parGemm) pack(w int) {
	if g.byB { // each worker packs its own B panels in tiles, just before using them
		al, ah := w*g.aPanels/g.workers, (w+1)*g.aPanels/g.workers
		if al < ah {
			i0, i1 := al*sgemmMR, min(ah*sgemmMR, g.m)
			packA(g.tA, g.a, g.lda, i0, i1-i0, g.p0, g.kc, g.alpha, g.ap[i0*g.kc:])
		}
		return
	}
	lo, hi := w*g.tasks/g.workers, (w+1)*g.tasks/g.workers
	if bl, bh := min(lo, g.bPanels), min(hi, g.bPanels); bl < bh {
		g.packB(g.p0, g.kc, bl, bh, g.bp[bl*g.kc*g.uk.nr:])
	}
	if al, ah := max(lo, g.bPanels)-g.bPanels, max(hi, g.bPanels)-g.bPanels; al < ah { // none when A comes packed
		i0, i1 := al*sgemmMR, min(ah*sgemmMR, g.m)
		packA(g.tA, g.a, g.lda, i0, i1-i0, g.p0, g.kc, g.alpha, g.ap[i0*g.kc:])
	}
}

// packB packs B panels [j0, j1) of the slice [p0, p0+kc) into bp, panel j0 first.
func (g *parGemm) packB(p0, kc, j0, j1 int, bp []float32) {
	if g.conv.K > 0 {
		packBConv(g.b, &g.conv, p0, kc, g.n, g.uk.nr, j0, j1, bp)
		return
	}
	if g.sp > 0 {
		packBSamples(g.b, g.sp, g.sstride, p0, kc, g.n, g.uk.nr, j0, j1, bp)
		return
	}
	packB(g.tB, g.b, g.ldb, p0, kc, g.n, g.uk.nr, j0, j1, bp)
}

// tiles runs worker w's tiles of C for the current slice.
func (g *parGemm) tiles(w int) {
	var epi *epilogue
	if g.epi.on() && g.p0+g.kc == g.k { // the last slice
		epi = &g.epi
	}
	var in *epilogue // a scattering epilogue whose tiles within one sample accumulate in y itself
	if g.epi.y != nil {
		in = &g.epi
	}
	if !g.byB {
		sgemmTiles(g.uk, g.kc, g.acc, g.ap, g.bp, g.c, g.ldc, g.m, g.n, w*g.aPanels/g.workers, (w+1)*g.aPanels/g.workers, 0, g.bPanels, epi, in)
		return
	}
	// sgemmNC panels of B at a time, packed right before the kernels read them, so they are read from
	// the L2 cache: packing all of a wide B first (a per-sample convolution's 12544 columns are a 12 MB
	// slice) left the kernels reading it back from memory.
	jb0, jb1 := w*g.bPanels/g.workers, (w+1)*g.bPanels/g.workers
	nr := g.uk.nr
	for j := jb0; j < jb1; j += sgemmNCPanels {
		je := min(j+sgemmNCPanels, jb1)
		bp := g.bp[j*g.kc*nr:]
		g.packB(g.p0, g.kc, j, je, bp)
		sgemmTiles(g.uk, g.kc, g.acc, g.ap, bp, g.c, g.ldc, g.m, g.n, 0, g.aPanels, j, je, epi, in)
	}
}

// columns runs all of worker w's tiles of C, every k slice of one group of sgemmNCPanels B panels
// before the next group: the GEMMs whose A comes packed and whose workers split B (a convolution's
// filters times its column matrix). Slice after slice over all of C (the other order) sent each tile
// back to memory between slices once C outgrew the L2 cache (a 56x56 convolution's output is 2.4 MB
// per sample); a group's tiles (M x 256 values) stay in it. Each tile gets the same kernel calls in
// the same order as slice by slice, so the result is the same bits. The worker packs its panels into
// its own part of g.bp, as the workers may be at different slices at once.
func (g *parGemm) columns(w int) {
	var in *epilogue // see tiles
	if g.epi.y != nil {
		in = &g.epi
	}
	jb0, jb1 := w*g.bPanels/g.workers, (w+1)*g.bPanels/g.workers
	nr := g.uk.nr
	bp := g.bp[jb0*g.kcMax*nr:]
	for j := jb0; j < jb1; j += sgemmNCPanels {
		je := min(j+sgemmNCPanels, jb1)
		for p0 := 0; p0 < g.k; p0 += sgemmKC {
			kc := min(sgemmKC, g.k-p0)
			var epi *epilogue
			if g.epi.on() && p0+kc == g.k { // the last slice
				epi = &g.epi
			}
			g.packB(p0, kc, j, je, bp)
			sgemmTiles(g.uk, kc, g.beta != 0 || p0 > 0, g.pre[p0*g.aPanels*sgemmMR:], bp, g.c, g.ldc, g.m, g.n, 0, g.aPanels, j, je, epi, in)
		}
	}
}

// sgemmNCPanels is how many B panels are packed and used at a time when the workers split B
// (kc x 256 values, 256 KB at most: in the L2 cache with a 96-row block of A).
const sgemmNCPanels = 8

// sgemmTiles runs the micro-kernel on the tiles of C in A panels [a0, a1) and B panels [b0, b1) of the
// packed kc-deep slices ap (all of op(A)'s rows, panel i at ap[i*sgemmMR*kc:]) and bp (panel j at
// bp[(j-b0)*kc*nr:]), sgemmMC rows of A at a time, as sgemmPacked orders them; then epi, when not nil, on each
// finished tile.
//
// in, when not nil, is the GEMM's scattering epilogue (epilogue.y set), given for every slice: a full
// tile whose columns lie in one sample is then computed in y itself, its rows p apart, every slice
// accumulating there and the last one adding the bias (+ ReLU) in registers (sgemmKernel6x32Bias, or
// sgemmKernel6x16Bias for the AVX2 kernel's 16-wide tiles), so the tile never goes through c and
// scatterRuns' per-run copies (5-11% of a 14x14 convolution's time with the AVX-512 kernel; 11% of a
// 32x128 inference held to AVX2 on the Zen 5 VM before the AVX2 kernel took this path too). Same
// operations in the same order as storing to c and scattering after: the same bits.
func sgemmTiles(uk sgemmMicro, kc int, acc bool, ap, bp, c []float32, ldc, m, n, a0, a1, b0, b1 int, epi, in *epilogue) {
	nr := uk.nr
	var edge [sgemmMR * sgemmMaxNR]float32
	const mcPanels = sgemmMC / sgemmMR
	// A bias (+ ReLU) epilogue that stays in C is applied by the kernel to full tiles in registers
	// (uk.runBias), the same bits as epi.apply after the store.
	fused := epi != nil && epi.y == nil && epi.bias != nil
	for ib := a0; ib < a1; ib += mcPanels {
		ie := min(ib+mcPanels, a1)
		for jp := b0; jp < b1; jp++ {
			j0 := jp * nr
			nw := min(nr, n-j0)
			bpan := bp[(jp-b0)*kc*nr:]
			for ip := ib; ip < ie; ip++ {
				i := ip * sgemmMR
				mh := min(sgemmMR, m-i)
				apan := ap[i*kc:]
				if mh == sgemmMR && nw == nr {
					if in != nil && in.inSample(uk, kc, acc, &apan[0], &bpan[0], i, j0, epi != nil) {
						continue
					}
					if fused {
						uk.runBias(kc, &apan[0], &bpan[0], &c[i*ldc+j0], ldc, acc, &epi.bias[i], epi.relu)
						continue
					}
					uk.run(kc, &apan[0], &bpan[0], &c[i*ldc+j0], ldc, acc)
					if epi != nil {
						epi.apply(c, ldc, i, j0, mh, nw)
					}
					continue
				}
				if nw == nr && nr == 32 { // the last A panel's rows only, straight from the kernel
					rowsTile(kc, acc, &apan[0], &bpan[0], c, ldc, i, j0, mh, epi, in, fused)
					continue
				}
				uk.run(kc, &apan[0], &bpan[0], &edge[0], nr, false)
				for r := 0; r < mh; r++ {
					row := c[(i+r)*ldc+j0:][:nw]
					e := edge[r*nr : r*nr+nw]
					if !acc {
						copy(row, e)
						continue
					}
					for q, v := range e {
						row[q] += v
					}
				}
				if epi != nil {
					epi.apply(c, ldc, i, j0, mh, nw)
				}
			}
		}
	}
}

// packBSamples is packB for a B that holds samples side by side (see GemmPackedSamples): column j*p+q,
// row r of B is x[j*stride + r*p + q]. Each panel's columns fall into runs of at most p contiguous values,
// one run per sample it spans, the same for every row; the runs are copied straight from the samples, so
// B is never gathered into a matrix of its own first.
func packBSamples(x []float32, p, stride, p0, kc, n, nr, jp0, jp1 int, bp []float32) {
	type run struct{ q, at, n int } // panel column, offset in x of row p0, length
	var runs [sgemmMaxNR]run
	for jp := jp0; jp < jp1; jp++ {
		j0 := jp * nr
		nw := min(nr, n-j0)
		dst := bp[(jp-jp0)*kc*nr : (jp-jp0+1)*kc*nr]
		nrun := 0
		for q := 0; q < nw; {
			col := j0 + q
			s, pos := col/p, col%p
			l := min(p-pos, nw-q)
			runs[nrun] = run{q, s*stride + p0*p + pos, l}
			nrun++
			q += l
		}
		rs := runs[:nrun]
		for r := 0; r < kc; r++ {
			d := dst[r*nr : (r+1)*nr]
			off := r * p
			if p == 1 {
				for i, u := range rs {
					d[i] = x[u.at+off]
				}
			} else {
				for _, u := range rs {
					src := x[u.at+off:][:u.n]
					if u.n >= 16 {
						copy(d[u.q:], src)
						continue
					}
					dd := d[u.q:][:u.n]
					for i, v := range src {
						dd[i] = v
					}
				}
			}
			clear(d[nw:])
		}
	}
}
