package gemm

import "fmt"

// Gather is a B matrix (k x n) that is never stored: row r, column j is X[RowOff[r] + ColOff[j]]. A
// convolution's column matrix is one: with the input planes padded, row (c, ky, kx) and column
// (sample, oy, ox) read the padded input at the sum of an offset that depends on the row only and
// one that depends on the column only. The pure-Go float32 GEMM packs its panels straight from X, so
// the column matrix (K*K times the input) is never written and read back.
type Gather[T Float] struct {
	X      []T
	RowOff []int32 // len k
	ColOff []int32 // len n
}

// check panics unless the gather is k x n and reads inside X.
func (g Gather[T]) check(k, n int) {
	if len(g.RowOff) != k || len(g.ColOff) != n {
		panic(fmt.Sprintf("model: gemm: gather of %d row and %d column offsets for a %d x %d matrix", len(g.RowOff), len(g.ColOff), k, n))
	}
	if k == 0 || n == 0 {
		return
	}
	rlo, rhi := minMax(g.RowOff)
	clo, chi := minMax(g.ColOff)
	if rlo < 0 || clo < 0 || int(rhi)+int(chi) >= len(g.X) {
		panic(fmt.Sprintf("model: gemm: gather offsets [%d, %d] + [%d, %d] outside %d values", rlo, rhi, clo, chi, len(g.X)))
	}
}

func minMax(xs []int32) (lo, hi int32) {
	lo, hi = xs[0], xs[0]
	for _, x := range xs[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// matrix writes the gathered B as a k x n matrix (the fallback for back ends without a packed form).
func (g Gather[T]) matrix() *[]T {
	k, n := len(g.RowOff), len(g.ColOff)
	buf := getScratch[T](k * n)
	b := *buf
	for r, ro := range g.RowOff {
		row := b[r*n : (r+1)*n]
		for j, co := range g.ColOff {
			row[j] = g.X[int(ro)+int(co)]
		}
	}
	return buf
}

// GemmPackedGather computes C = relu?(op(A)*B + bias) with op(A) packed by PackA and B a Gather
// (bias nil: C = op(A)*B, relu false). n is len(b.ColOff). Bit for bit GemmPackedBiasAct (or
// GemmPacked with beta 0) on the gathered matrix.
func GemmPackedGather[T Float](pa *PackedA[T], workers int, b Gather[T], c []T, ldc int, bias []T, relu bool) {
	n := len(b.ColOff)
	b.check(pa.k, n)
	if bias == nil && relu {
		panic("model: gemm: a ReLU needs a bias")
	}
	if pa.buf == nil || pa.m == 0 || n == 0 || pa.k == 0 {
		bm := b.matrix()
		defer putScratch(bm)
		if bias == nil {
			GemmPacked(pa, workers, false, n, *bm, n, 0, c, ldc)
			return
		}
		GemmPackedBiasAct(pa, workers, false, n, *bm, n, c, ldc, bias, relu)
		return
	}
	var epi epilogue
	if bias != nil {
		if len(bias) < pa.m {
			panic(fmt.Sprintf("model: gemm: bias has %d values for %d rows", len(bias), pa.m))
		}
		epi = epilogue{bias: any(bias).([]float32)[:pa.m], relu: relu}
	}
	c32 := any(c).([]float32)
	checkGemm(pa.tA, false, pa.m, n, pa.k, len(pa.a), pa.lda, pa.k*n, n, len(c32), ldc)
	sgemmPackedParE(pa.uk, max(workers, 1), pa.tA, false, pa.m, n, pa.k, float32(pa.alpha), nil, pa.lda, *pa.buf, any(b.X).([]float32), 0, 0, c32, ldc,
		epi, bSource{rowOff: b.RowOff, colOff: b.ColOff})
}

// GemmPackedGatherToSamples is GemmPackedToSamples with B a Gather: a batched convolution's output,
// relu?(op(A)*B + bias) stored into NCHW y (column j*p+q at y[j*outSize + i*p + q]); c (pa.m x n) is
// scratch. Bit for bit GemmPackedToSamples on the gathered matrix.
func GemmPackedGatherToSamples[T Float](pa *PackedA[T], workers int, b Gather[T], c, y []T, p, outSize int, bias []T, relu bool) {
	n := len(b.ColOff)
	b.check(pa.k, n)
	if pa.buf == nil || pa.m == 0 || n == 0 || pa.k == 0 {
		bm := b.matrix()
		defer putScratch(bm)
		GemmPackedToSamples(pa, workers, n, *bm, n, nil, 0, c, y, p, outSize, bias, relu)
		return
	}
	if bias == nil && relu {
		panic("model: gemm: a ReLU needs a bias")
	}
	if p < 1 || n%p != 0 || (bias != nil && len(bias) < pa.m) || outSize < pa.m*p || len(y) < (n/p-1)*outSize+pa.m*p {
		panic(fmt.Sprintf("model: gemm: %d columns of %d-position samples (%d apart) into %d values, %d biases for %d rows", n, p, outSize, len(y), len(bias), pa.m))
	}
	c32 := any(c).([]float32)
	epi := epilogue{relu: relu, y: any(y).([]float32), p: p, outSize: outSize}
	if bias != nil {
		epi.bias = any(bias).([]float32)[:pa.m]
	}
	checkGemm(pa.tA, false, pa.m, n, pa.k, len(pa.a), pa.lda, pa.k*n, n, len(c32), n)
	sgemmPackedParE(pa.uk, max(workers, 1), pa.tA, false, pa.m, n, pa.k, float32(pa.alpha), nil, pa.lda, *pa.buf, any(b.X).([]float32), 0, 0, c32, n,
		epi, bSource{rowOff: b.RowOff, colOff: b.ColOff})
}

// packBGather is packB for a Gather (x, rowOff, colOff). A panel's columns fall into runs of
// consecutive offsets (an output row of a stride-1 convolution is one), the same for every row; each
// run is copied from x, so stride-1 panels pack at copy speed.
func packBGather(x []float32, rowOff, colOff []int32, p0, kc, n, nr, jp0, jp1 int, bp []float32) {
	type run struct{ q, off, n int } // panel column, column offset, length
	var runs [sgemmMaxNR]run
	for jp := jp0; jp < jp1; jp++ {
		j0 := jp * nr
		nw := min(nr, n-j0)
		dst := bp[jp*kc*nr : (jp+1)*kc*nr]
		co := colOff[j0 : j0+nw]
		nrun := 0
		for q := 0; q < nw; {
			l := 1
			for q+l < nw && co[q+l] == co[q]+int32(l) {
				l++
			}
			runs[nrun] = run{q, int(co[q]), l}
			nrun++
			q += l
		}
		rs := runs[:nrun]
		for r, ro := range rowOff[p0 : p0+kc] {
			d := dst[r*nr : (r+1)*nr]
			base := int(ro)
			for _, u := range rs {
				src := x[base+u.off:][:u.n]
				if u.n >= 16 {
					copy(d[u.q:], src)
					continue
				}
				dd := d[u.q:][:u.n]
				for i, v := range src {
					dd[i] = v
				}
			}
			clear(d[nw:])
		}
	}
}
