package gemm

import "sync"

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
	nr := uk.nr
	if k == 0 || alpha == 0 || m == 0 || n == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	if beta != 0 && beta != 1 {
		scaleRows(m, n, beta, c, ldc)
	}
	bPanels := (n + nr - 1) / nr
	aPanels := (m + sgemmMR - 1) / sgemmMR
	workers = max(1, min(workers, max(bPanels, aPanels)))
	kcMax := min(k, sgemmKC)
	bBuf := getScratch[float32](kcMax * bPanels * nr)
	defer putScratch(bBuf)
	bp := *bBuf
	var ap []float32
	if pre == nil {
		aBuf := getScratch[float32](kcMax * aPanels * sgemmMR)
		defer putScratch(aBuf)
		ap = *aBuf
	}
	// The tiles of C are split by B panels when there are enough of them (each worker then packs the B
	// panels it uses), else by A panels (the workers share every B panel).
	byB := bPanels >= 2*workers || bPanels >= aPanels
	// The phases read p0, kc and acc of the current slice: declared once, so that each phase's closure
	// (and its goroutines' captures) is made once per call, not once per slice.
	var p0, kc int
	var acc bool
	tasks := bPanels // the packing tasks: B panels, then A panels unless A comes packed
	if pre == nil {
		tasks += aPanels
	}
	pack := func(w int) {
		if byB { // each worker packs its own B panels in tiles, just before using them
			al, ah := w*aPanels/workers, (w+1)*aPanels/workers
			if al < ah {
				i0, i1 := al*sgemmMR, min(ah*sgemmMR, m)
				packA(tA, a, lda, i0, i1-i0, p0, kc, alpha, ap[i0*kc:])
			}
			return
		}
		lo, hi := w*tasks/workers, (w+1)*tasks/workers
		if bl, bh := min(lo, bPanels), min(hi, bPanels); bl < bh {
			packB(tB, b, ldb, p0, kc, n, nr, bl, bh, bp)
		}
		if al, ah := max(lo, bPanels)-bPanels, max(hi, bPanels)-bPanels; al < ah { // none when A comes packed
			i0, i1 := al*sgemmMR, min(ah*sgemmMR, m)
			packA(tA, a, lda, i0, i1-i0, p0, kc, alpha, ap[i0*kc:])
		}
	}
	tiles := func(w int) {
		if !byB {
			sgemmTiles(uk, kc, acc, ap, bp, c, ldc, m, n, w*aPanels/workers, (w+1)*aPanels/workers, 0, bPanels)
			return
		}
		// sgemmNC panels of B at a time, packed right before the kernels read them, so they are
		// read from the L2 cache: packing all of a wide B first (a per-sample convolution's 12544
		// columns are a 12 MB slice) left the kernels reading it back from memory.
		jb0, jb1 := w*bPanels/workers, (w+1)*bPanels/workers
		for g := jb0; g < jb1; g += sgemmNCPanels {
			ge := min(g+sgemmNCPanels, jb1)
			packB(tB, b, ldb, p0, kc, n, nr, g, ge, bp)
			sgemmTiles(uk, kc, acc, ap, bp, c, ldc, m, n, 0, aPanels, g, ge)
		}
	}
	var wg sync.WaitGroup
	// each runs fn(w) for w in [0, workers): worker 0 in the calling goroutine, the others in their own.
	each := func(fn func(w int)) {
		for w := 1; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fn(w)
			}()
		}
		fn(0)
		wg.Wait()
	}
	for p0 = 0; p0 < k; p0 += sgemmKC {
		kc = min(sgemmKC, k-p0)
		// With beta == 0 the first slice overwrites C (which is never read, so NaNs in it vanish, as
		// BLAS specifies); every other slice adds to it.
		acc = beta != 0 || p0 > 0
		if pre != nil {
			ap = pre[p0*aPanels*sgemmMR:]
		}
		if pre == nil || !byB { // with A packed and B split, each worker packs its B panels in tiles (and
			// pack, which would only pack A, is not run)
			each(pack)
		}
		each(tiles)
	}
}

// sgemmNCPanels is how many B panels are packed and used at a time when the workers split B
// (kc x 256 values, 256 KB at most: in the L2 cache with a 96-row block of A).
const sgemmNCPanels = 8

// sgemmTiles runs the micro-kernel on the tiles of C in A panels [a0, a1) and B panels [b0, b1) of the
// packed kc-deep slices ap (all of op(A)'s rows, panel i at ap[i*sgemmMR*kc:]) and bp (panel j at
// bp[j*kc*nr:]), sgemmMC rows of A at a time, as sgemmPacked orders them.
func sgemmTiles(uk sgemmMicro, kc int, acc bool, ap, bp, c []float32, ldc, m, n, a0, a1, b0, b1 int) {
	nr := uk.nr
	var edge [sgemmMR * sgemmMaxNR]float32
	const mcPanels = sgemmMC / sgemmMR
	for ib := a0; ib < a1; ib += mcPanels {
		ie := min(ib+mcPanels, a1)
		for jp := b0; jp < b1; jp++ {
			j0 := jp * nr
			nw := min(nr, n-j0)
			bpan := bp[jp*kc*nr:]
			for ip := ib; ip < ie; ip++ {
				i := ip * sgemmMR
				mh := min(sgemmMR, m-i)
				apan := ap[i*kc:]
				if mh == sgemmMR && nw == nr {
					uk.run(kc, &apan[0], &bpan[0], &c[i*ldc+j0], ldc, acc)
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
			}
		}
	}
}
