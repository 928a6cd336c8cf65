package ops

import (
	"fmt"
	"hash"
	"sync"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	kern "inceptionlab/model/internal/gemm"
)

// conv2d returns relu?(conv(x, w) + b) with explicit zero padding pad = (top, bottom, left, right).
// x is (N, C, H, W), w is (O, C, K, K) (PyTorch layout), b is (O); the output is (N, O, OH, OW) with
// OH = (H+top+bottom-K)/stride + 1 and OW likewise.
//
// For large maps the forward pass runs, per sample and in parallel over samples, one GEMM that writes
// the NCHW output directly with bias and ReLU applied tile by tile (1x1 stride-1 unpadded convs use the
// input as the column matrix). Small maps are batched several samples per GEMM (see convChunkCols).
// Where the pure-Go float32 GEMM with its AVX-512 kernel does it faster (kern.GemmPackedConvBiasAct and
// GemmPackedConvToSamples decide per geometry), the column matrix is never built: the GEMM packs each
// panel of it straight from the input planes (an implicit GEMM); elsewhere, and where a training graph
// keeps a batched convolution's columns for its filter gradient, im2col fills a reused scratch buffer.
// Gradients come from the custom ops in op_conv_grad.go.
//
// budget, when not nil, is the column-cache memory left to the convolutions of a training graph (see
// outSlot.cols); nil gives the op no cache. packs, when not nil, shares the packed filters with the
// graphs that run at the same time (see PackShare).
func conv2d(x, w, b *G.Node, stride int, pad [4]int, relu bool, budget *colBudget, packs *PackShare) (*G.Node, error) {
	op := conv2dOp{stride: stride, pad: pad, relu: relu, budget: budget, packs: packs, owned: newOwned()}
	if _, err := op.InferShape(x.Shape(), w.Shape(), b.Shape()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(op, x, w, b)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return y, nil
}

// convGeom is the full geometry of one convolution.
type convGeom struct {
	n, c, h, w     int // input
	o, k           int // filters
	stride         int
	pt, pb, pl, pr int // padding
	oh, ow         int // output
}

func (g convGeom) ckk() int     { return g.c * g.k * g.k }
func (g convGeom) p() int       { return g.oh * g.ow }
func (g convGeom) inSize() int  { return g.c * g.h * g.w }
func (g convGeom) outSize() int { return g.o * g.oh * g.ow }

// convB is the geometry of one sample's column matrix for the implicit GEMM.
func (g convGeom) convB() kern.ConvB {
	return kern.ConvB{C: g.c, H: g.h, W: g.w, K: g.k, PT: g.pt, PL: g.pl, OH: g.oh, OW: g.ow, Stride: g.stride}
}

// padW is the row length of the zero-padded input plane; padSize its number of values.
func (g convGeom) padW() int    { return g.w + g.pl + g.pr }
func (g convGeom) padSize() int { return (g.h + g.pt + g.pb) * g.padW() }

// direct reports whether the input itself is the column matrix (1x1, stride 1, no padding).
func (g convGeom) direct() bool {
	return g.k == 1 && g.stride == 1 && g.pt == 0 && g.pb == 0 && g.pl == 0 && g.pr == 0
}

// newConvGeom validates the convolution parameters against the input shape (N, C, H, W) and the filter
// shape (O, C, K, K); op names the op in errors.
func newConvGeom(op fmt.Stringer, x []int, o, c, k, stride int, pad [4]int) (convGeom, error) {
	if len(x) != 4 {
		return convGeom{}, fmt.Errorf("model: %v: input x must be 4-D (N, C, H, W), got shape %s", op, fmtShape(x))
	}
	if stride < 1 {
		return convGeom{}, fmt.Errorf("model: %v: stride must be >= 1, got %d", op, stride)
	}
	for i, p := range pad {
		if p < 0 {
			return convGeom{}, fmt.Errorf("model: %v: pad[%d] (top, bottom, left, right) must be >= 0, got %d", op, i, p)
		}
	}
	if k < 1 {
		return convGeom{}, fmt.Errorf("model: %v: kernel size must be >= 1, got %d", op, k)
	}
	if x[1] != c {
		return convGeom{}, fmt.Errorf("model: %v: input has %d channels but the filters expect %d", op, x[1], c)
	}
	g := convGeom{n: x[0], c: x[1], h: x[2], w: x[3], o: o, k: k, stride: stride,
		pt: pad[0], pb: pad[1], pl: pad[2], pr: pad[3]}
	hp, wp := g.h+g.pt+g.pb, g.w+g.pl+g.pr
	if hp < k || wp < k {
		return convGeom{}, fmt.Errorf("model: %v: padded input %dx%d is smaller than the %dx%d kernel", op, hp, wp, k, k)
	}
	g.oh, g.ow = (hp-k)/stride+1, (wp-k)/stride+1
	return g, nil
}

// conv2dOp is y = relu?(conv(x, w) + b); inputs (x, w, b).
type conv2dOp struct {
	stride int
	pad    [4]int
	relu   bool
	budget *colBudget // for the column cache the gradient may give this op (SymDiff)
	packs  *PackShare // shares the packed filters with concurrently running graphs; nil: none
	owned
}

func (op conv2dOp) String() string {
	return fmt.Sprintf("model.conv2d{stride=%d pad=%v relu=%t}", op.stride, op.pad, op.relu)
}
func (op conv2dOp) WriteHash(h hash.Hash)     { fmt.Fprint(h, op.String()) }
func (op conv2dOp) Hashcode() uint32          { return hashOp(op) }
func (op conv2dOp) Arity() int                { return 3 }
func (op conv2dOp) Type() hm.Type             { return fnType(4, 4, 1, 4) }
func (op conv2dOp) ReturnsPtr() bool          { return false }
func (op conv2dOp) CallsExtern() bool         { return false }
func (op conv2dOp) OverwritesInput() int      { return -1 }
func (op conv2dOp) DiffWRT(int) []bool        { return []bool{true, true, true} }
func (op conv2dOp) names() []string           { return []string{"x", "w", "b"} }
func (op conv2dOp) inputDims() []int          { return []int{4, 4, 1} }
func (op conv2dOp) outShape(g convGeom) []int { return []int{g.n, g.o, g.oh, g.ow} }

// geom validates the shapes of x (N,C,H,W), w (O,C,K,K) and b (O).
func (op conv2dOp) geom(x, w, b []int) (convGeom, error) {
	if len(w) != 4 || w[2] != w[3] {
		return convGeom{}, fmt.Errorf("model: %v: weight w must be (O, C, K, K) with a square kernel, got shape %s", op, fmtShape(w))
	}
	if len(b) != 1 || b[0] != w[0] {
		return convGeom{}, fmt.Errorf("model: %v: bias b must have shape (%d) to match w %s, got %s", op, w[0], fmtShape(w), fmtShape(b))
	}
	return newConvGeom(op, x, w[0], w[1], w[2], op.stride, op.pad)
}

func (op conv2dOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := inputShapes(op, in, op.names()...)
	if err != nil {
		return nil, err
	}
	g, err := op.geom(s[0], s[1], s[2])
	if err != nil {
		return nil, err
	}
	return op.outShape(g), nil
}

func (op conv2dOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }

func (op conv2dOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	return op.run(prealloc, in)
}

func (op conv2dOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, op.names(), op.inputDims(), in)
	if err != nil {
		return nil, err
	}
	g, err := op.geom(t[0].Shape(), t[1].Shape(), t[2].Shape())
	if err != nil {
		return nil, err
	}
	y, err := output(op, prealloc, t[0].Dtype(), op.outShape(g))
	if err != nil {
		return nil, err
	}
	var cache *kept
	if s := op.outSlot(); s != nil && g.chunk() > 1 && !g.direct() {
		// Set by SymDiff: only ops with a filter gradient keep their columns. A 1x1 conv's columns are
		// its input, regathered by a copy; keeping them would only hold another copy of a block input.
		cache = s.cols
	}
	s := g.chunk()
	if op.budget == nil { // an inference graph: no gradient reads this op's chunk layout
		s = g.inferChunk()
	}
	if t[0].Dtype() == tensor.Float32 {
		x := sliceOf[float32](t[0])
		cols := keptBuffer[float32](cache, g.ckk()*g.p()*g.n)
		convForward(g, x, sliceOf[float32](t[1]), sliceOf[float32](t[2]), sliceOf[float32](y), op.relu, s, cols, op.packs)
		cache.record(&x[0])
	} else {
		x := sliceOf[float64](t[0])
		cols := keptBuffer[float64](cache, g.ckk()*g.p()*g.n)
		convForward(g, x, sliceOf[float64](t[1]), sliceOf[float64](t[2]), sliceOf[float64](y), op.relu, s, cols, op.packs)
		cache.record(&x[0])
	}
	return y, nil
}

// A batched convolution keeps the column matrices its forward pass built (one per chunk of samples, in
// order; outSlot.cols) so that its filter gradient, dW = sum dZ col^T, does not build them again. It
// costs C*K*K*OH*OW*N values per convolution, and only convolutions with K > 1 that batch samples
// (maps under convChunkCols positions) keep them, within colCacheBudget bytes per training graph: the
// paper's network at 224x16, 64x64 or 32x128 needs 80-130 MB for all of them, a naive (no 1x1
// reduction) variant several times that, so it keeps only some.

// colCacheBudget is the column-cache memory one training graph may use.
const colCacheBudget = 256 << 20

// colBudget is the column-cache memory left to a graph's convolutions, taken as their gradients are
// built.
type colBudget struct{ left int64 }

// newColBudget returns a full budget.
func newColBudget() *colBudget { return &colBudget{left: colCacheBudget} }

// take reserves bytes if that many are left.
func (b *colBudget) take(bytes int64) bool {
	if bytes > b.left {
		return false
	}
	b.left -= bytes
	return true
}

func (op conv2dOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("model: %v: SymDiff expects 3 inputs, got %d", op, len(inputs))
	}
	x, w := inputs[0], inputs[1]
	var xs, ws [4]int
	copy(xs[:], x.Shape())
	copy(ws[:], w.Shape())
	g, err := newConvGeom(op, xs[:], ws[0], ws[1], ws[2], op.stride, op.pad)
	if err != nil {
		return nil, err
	}
	// A batched convolution's gradients read dz in the chunk layout of their GEMMs, written once by
	// convDzOp (with the ReLU mask); a per-sample one's dz is NCHW, which is that layout for one sample.
	chunk := 0
	var dz *G.Node
	if g.chunk() > 1 {
		chunk = g.chunk()
		dz, err = chunkedDz(op.relu, chunk, output, grad)
	} else {
		dz, err = reluGrad(op.relu, output, grad)
	}
	if err != nil {
		return nil, err
	}
	dx, err := G.ApplyOp(convDataGradOp{stride: op.stride, pad: op.pad, x: xs, chunked: chunk > 0, packs: op.packs, owned: newOwned()}, dz, w)
	if err != nil {
		return nil, fmt.Errorf("model: %v: input gradient: %w", op, err)
	}
	var cols *kept
	if s := op.outSlot(); s != nil && op.budget != nil {
		bytes := int64(g.ckk()*g.p()*g.n) * int64(x.Dtype().Size())
		if s.cols == nil && g.chunk() > 1 && !g.direct() && op.budget.take(bytes) {
			s.cols = new(kept)
		}
		cols = s.cols
	}
	dw, err := G.ApplyOp(convFilterGradOp{stride: op.stride, pad: op.pad, k: ws[2], cols: cols, chunked: chunk > 0, owned: newOwned()}, x, dz)
	if err != nil {
		return nil, fmt.Errorf("model: %v: filter gradient: %w", op, err)
	}
	db, err := G.ApplyOp(biasGradOp{dims: 4, chunk: chunk, owned: newOwned()}, dz)
	if err != nil {
		return nil, fmt.Errorf("model: %v: bias gradient: %w", op, err)
	}
	return G.Nodes{dx, dw, db}, nil
}

// convChunkCols is the number of GEMM columns (samples x output positions) the convolution kernels aim
// for. Maps at least this large get one GEMM per sample, run in parallel over samples; smaller maps (the
// late stages of a small-input network, where a sample's map can be a single pixel) are batched: the
// column matrices of several samples sit side by side, so one GEMM of useful width replaces many
// matrix-vector products.
const convChunkCols = 512

// chunk is how many samples one GEMM covers (1: per-sample kernels).
func (g convGeom) chunk() int {
	p := g.p()
	if p >= convChunkCols {
		return 1
	}
	return min(g.n, (convChunkCols+p-1)/p)
}

// inferChunk is chunk for a forward pass that no gradient follows (an inference graph): from chunk()'s
// samples up to four times as many, the count whose chunks leave the fewest padding columns in their
// last 32-wide panels (a 14x14 map: chunk() takes 3 samples, 588 columns in 19 panels, and a last chunk
// of 2 in 13: 4.1% padding over 8 samples; 8 samples are 1568 columns, exactly 49 panels). Training
// keeps chunk(): its gradients read the chunk layout, and bigger chunks there cost ~20 MB of scratch at
// 224x16. The output is the same bits for any chunk (every column's sums are the same).
func (g convGeom) inferChunk() int {
	lo := g.chunk()
	if lo == 1 {
		return 1
	}
	best, bestPad := lo, chunkPadding(g.n, lo, g.p())
	for s := lo + 1; s <= min(g.n, 4*lo); s++ {
		if pad := chunkPadding(g.n, s, g.p()); pad < bestPad {
			best, bestPad = s, pad
		}
	}
	return best
}

// chunkPadding is how many padding columns the 32-wide panels of n samples of p positions take when
// they are cut into chunks of s samples.
func chunkPadding(n, s, p int) int {
	pad := 0
	for n0 := 0; n0 < n; n0 += s {
		cols := min(s, n-n0) * p
		pad += (cols+31)/32*32 - cols
	}
	return pad
}

// convForward computes y = relu?(conv(x, w) + b) for the whole batch, s samples per GEMM (g.chunk()).
// When s > 1 and cols is not nil (C*K*K*OH*OW*N values), the column matrices are built there, chunk
// after chunk, and left for the filter gradient. packs may be nil (see PackShare).
func convForward[T opFloat](g convGeom, x, w, b, y []T, relu bool, s int, cols []T, packs *PackShare) {
	ckk, p := g.ckk(), g.p()
	wp, e := sharedPackA(packs, false, g.o, ckk, w, ckk) // the filters, packed once for every sample or chunk
	defer packs.release(wp, e)
	if s > 1 {
		convForwardChunked(g, x, wp, b, y, relu, s, cols)
		return
	}
	parallelSamples(g.n, workersFor(g.n), func(_, n int) {
		xn := x[n*g.inSize() : (n+1)*g.inSize()]
		yn := y[n*g.outSize() : (n+1)*g.outSize()]
		if !g.direct() && kern.GemmPackedConvBiasAct(wp, 1, g.convB(), xn, yn, p, b, relu) {
			return // the GEMM packed its columns straight from xn (an implicit GEMM)
		}
		col := xn
		if !g.direct() {
			buf := getScratch[T](ckk * p)
			defer putScratch(buf)
			col = *buf
			im2col(g, xn, col)
		}
		gemmPackedBiasAct(wp, 1, false, p, col, p, yn, p, b, relu)
	})
}

// convForwardChunked runs the forward pass s samples per GEMM: im2col of each sample into its own
// column block (a 1x1 convolution has none: the GEMM packs its input straight from the samples), then
// one GEMM split across the cores, which adds the bias, applies the ReLU and stores each finished tile
// of the output straight into NCHW (see kern.GemmPackedToSamples).
func convForwardChunked[T opFloat](g convGeom, x []T, wp *kern.PackedA[T], b, y []T, relu bool, s int, cache []T) {
	ckk, p := g.ckk(), g.p()
	outBuf := getScratch[T](g.o * s * p)
	defer putScratch(outBuf)
	out := *outBuf
	// A 1x1 convolution's GEMM packs its columns straight from the samples, unless they are to be kept
	// (which conv2dOp never asks of a 1x1 convolution: its columns are its input).
	fromSamples := g.direct() && cache == nil
	var col []T
	var colBuf *[]T // the column scratch, taken when first needed
	defer func() {
		if colBuf != nil {
			putScratch(colBuf)
		}
	}()
	for n0 := 0; n0 < g.n; n0 += s {
		ns := min(s, g.n-n0)
		cols := ns * p
		yc := y[n0*g.outSize():]
		if cache == nil {
			cb := g.convB()
			cb.N = ns
			if kern.GemmPackedConvToSamples(wp, workersFor(g.o*cols), cb, x[n0*g.inSize():], out, yc, g.outSize(), b, relu) {
				continue // the GEMM packed its columns straight from the samples (an implicit GEMM)
			}
		}
		if fromSamples {
			gemmPackedToSamples(wp, workersFor(g.o*cols), cols, nil, 0, x[n0*g.inSize():], g.inSize(), out, yc, p, g.outSize(), b, relu)
			continue
		}
		switch {
		case cache != nil:
			col = cache[n0*ckk*p : (n0+ns)*ckk*p]
		case colBuf == nil:
			colBuf = getScratch[T](ckk * s * p)
			col = *colBuf
		}
		im2colChunk(g, x, n0, ns, col)
		gemmPackedToSamples(wp, workersFor(g.o*cols), cols, col, cols, nil, 0, out, yc, p, g.outSize(), b, relu)
	}
}

// gatherSamples copies rows x p blocks of ns samples (each sample rows*p contiguous values starting at
// src[n*rows*p]) into the rows x (ns*p) matrix dst, sample j in columns [j*p, (j+1)*p). The cores split
// the rows and write each front to back (see im2colChunk).
func gatherSamples[T opFloat](src, dst []T, ns, rows, p int) {
	cols := ns * p
	parallelRange(rows, cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d := dst[r*cols : (r+1)*cols]
			for j := 0; j < ns; j++ {
				copySmall(d[j*p:(j+1)*p], src[j*rows*p+r*p:][:p])
			}
		}
	})
}

// im2colChunk builds the column matrices of samples [n0, n0+ns) side by side in col (row stride ns*p,
// sample j in columns [j*p, (j+1)*p)). The cores split the input channels, and each fills its rows
// front to back, sample after sample. (One sample at a time, as im2col does, writes a few values into
// every one of the C*K*K rows, a page or more apart: with tens of megabytes of columns per step, TLB
// and cache misses then made the stores ~4x slower.)
func im2colChunk[T opFloat](g convGeom, x []T, n0, ns int, col []T) {
	p, kk := g.p(), g.k*g.k
	ld := ns * p
	if g.direct() {
		gatherSamples(x[n0*g.inSize():], col, ns, g.c, p)
		return
	}
	tbl := tapTable(g)
	parallelRange(g.c, kk*ld, func(lo, hi int) {
		buf := getScratch[T](g.padSize())
		defer putScratch(buf)
		pad := *buf
		clear(pad)
		for c := lo; c < hi; c++ {
			for j := 0; j < ns; j++ {
				padPlane(g, x[(n0+j)*g.inSize()+c*g.h*g.w:][:g.h*g.w], pad)
				if c32, ok := any(col).([]float32); ok && hasAVX512Kernels {
					// The rows read only pad (tbl's entries lie in it) and write only
					// [c*kk*ld + j*p, +p) of each of the channel's kk rows.
					_ = c32[(c*kk+kk-1)*ld+j*p+p-1]
					gatherTaps32(&c32[c*kk*ld+j*p], ld, &any(pad).([]float32)[0], &tbl[0], kk, p)
					continue
				}
				for tap := 0; tap < kk; tap++ {
					row := col[(c*kk+tap)*ld+j*p:][:p]
					for i, s := range tbl[tap*p : (tap+1)*p] {
						row[i] = pad[s]
					}
				}
			}
		}
	})
}

// col2imChunk is the adjoint of im2colChunk: it reduces the column-matrix gradients of samples
// [n0, n0+ns) (row stride ns*p) into their input gradients in dx, the cores splitting the channels.
func col2imChunk[T opFloat](g convGeom, dcol []T, n0, ns int, dx []T) {
	p, kk := g.p(), g.k*g.k
	ld := ns * p
	if g.direct() {
		parallelRange(g.c, ld, func(lo, hi int) {
			for c := lo; c < hi; c++ {
				for j := 0; j < ns; j++ {
					copySmall(dx[(n0+j)*g.inSize()+c*p:][:p], dcol[c*ld+j*p:][:p])
				}
			}
		})
		return
	}
	inv := tapSources(g)
	hw := g.h * g.w
	parallelRange(g.c, kk*ld, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			rows := dcol[c*kk*ld:]
			for j := 0; j < ns; j++ {
				plane := dx[(n0+j)*g.inSize()+c*hw:][:hw]
				at := rows[j*p:]
				for q := range plane {
					var sum T
					for _, e := range inv.src[inv.start[q]:inv.start[q+1]] {
						sum += at[int(e.tap)*ld+int(e.pos)]
					}
					plane[q] = sum
				}
			}
		}
	})
}

// colRange is the range [lo, hi) of output columns whose input column ow*stride+off lies in [0, size).
func colRange(out, stride, off, size int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if last := size - 1 - off; last >= 0 {
		hi = last/stride + 1
	}
	if hi > out {
		hi = out
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// im2col writes the (C*K*K) x (OH*OW) column matrix of one sample xn (C, H, W) into col; padding reads
// as zero. Every element of that matrix is written. Small maps go through im2colChunk.
func im2col[T opFloat](g convGeom, xn, col []T) {
	p := g.p()
	if g.direct() { // the column matrix is the input
		copy(col[:g.c*p], xn)
		return
	}
	if p < convChunkCols {
		im2colChunk(g, xn, 0, 1, col)
		return
	}
	ld := p
	for c := 0; c < g.c; c++ {
		plane := xn[c*g.h*g.w : (c+1)*g.h*g.w]
		for kh := 0; kh < g.k; kh++ {
			for kw := 0; kw < g.k; kw++ {
				row := col[((c*g.k+kh)*g.k+kw)*ld:][:p]
				off := kw - g.pl
				lo, hi := colRange(g.ow, g.stride, off, g.w)
				if g.stride == 1 && g.ow == g.w {
					im2colShifted(g, plane, row, kh, off, lo, hi)
					continue
				}
				for oh := 0; oh < g.oh; oh++ {
					dst := row[oh*g.ow : (oh+1)*g.ow]
					ih := oh*g.stride - g.pt + kh
					if ih < 0 || ih >= g.h {
						clear(dst)
						continue
					}
					src := plane[ih*g.w : (ih+1)*g.w]
					clearSmall(dst[:lo])
					clearSmall(dst[hi:])
					if lo >= hi {
						continue
					}
					if g.stride == 1 {
						copySmall(dst[lo:hi], src[lo+off:hi+off])
					} else {
						for ow := lo; ow < hi; ow++ {
							dst[ow] = src[ow*g.stride+off]
						}
					}
				}
			}
		}
	}
}

// im2colShifted fills one column-matrix row (kernel tap kh, column offset off = kw - pad left) for stride
// 1 when output and input rows have the same width (SAME padding): the valid output rows then read one
// contiguous run of the plane shifted by a constant, so the row is one copy plus the few cells per row
// that fall on left or right padding (columns outside [lo, hi)), instead of one copy per output row.
func im2colShifted[T opFloat](g convGeom, plane, row []T, kh, off, lo, hi int) {
	// Output rows oh whose input row oh - pt + kh lies inside the plane.
	oa := max(0, g.pt-kh)
	ob := min(g.oh, g.h+g.pt-kh)
	if oa >= ob || lo >= hi {
		clear(row)
		return
	}
	clear(row[:oa*g.ow])
	clear(row[ob*g.ow:])
	shift := (kh-g.pt)*g.w + off // plane index = row index + shift
	da, db := oa*g.ow+lo, (ob-1)*g.ow+hi
	copy(row[da:db], plane[da+shift:db+shift])
	for oh := oa; oh < ob; oh++ {
		r := row[oh*g.ow : (oh+1)*g.ow]
		clearSmall(r[:lo])
		clearSmall(r[hi:])
	}
}

// col2im accumulates a sample's column-matrix gradient col back into its input gradient dxn (C, H, W),
// which it overwrites; gradients for padding cells are dropped. Small maps go through col2imChunk.
func col2im[T opFloat](g convGeom, col []T, dxn []T) {
	p := g.p()
	if g.direct() {
		copy(dxn, col[:g.c*p])
		return
	}
	if p < convChunkCols {
		col2imChunk(g, col, 0, 1, dxn)
		return
	}
	ld := p
	clear(dxn)
	for c := 0; c < g.c; c++ {
		plane := dxn[c*g.h*g.w : (c+1)*g.h*g.w]
		for kh := 0; kh < g.k; kh++ {
			for kw := 0; kw < g.k; kw++ {
				row := col[((c*g.k+kh)*g.k+kw)*ld:][:p]
				off := kw - g.pl
				lo, hi := colRange(g.ow, g.stride, off, g.w)
				if lo >= hi {
					continue // this kernel column only ever reads padding
				}
				for oh := 0; oh < g.oh; oh++ {
					ih := oh*g.stride - g.pt + kh
					if ih < 0 || ih >= g.h {
						continue
					}
					src := row[oh*g.ow : (oh+1)*g.ow]
					dst := plane[ih*g.w : (ih+1)*g.w]
					if g.stride == 1 {
						addRun(dst[lo+off:hi+off], src[lo:hi])
					} else {
						for ow := lo; ow < hi; ow++ {
							dst[ow*g.stride+off] += src[ow]
						}
					}
				}
			}
		}
	}
}

// addRun sets d[i] += s[i] (len(d) == len(s)), in vector adds where the CPU has them (the same bits).
func addRun[T opFloat](d, s []T) {
	if d32, ok := any(d).([]float32); ok && len(s) >= 8 {
		s32 := any(s).([]float32)[:len(d32)]
		if hasAVX512Kernels {
			addTo32(&d32[0], &s32[0], len(d32))
			return
		}
		if hasAVX2Kernels {
			n8 := len(d32) &^ 7
			addTo32AVX2(&d32[0], &s32[0], n8)
			d, s = d[n8:], s[n8:]
		}
	}
	s = s[:len(d)]
	for i, v := range s {
		d[i] += v
	}
}

// Small maps (fewer than convChunkCols output positions) build and reduce their column matrices through
// a zero-padded copy of each input plane and a table of where every column entry comes from in it. A
// row of the column matrix is then a gather of a few values with no bounds or padding tests, instead
// of the row-wise copies and clears above, whose per-call costs dominate when a map row is 2-8 values.

var tapTables sync.Map // convGeom without batch and channel counts -> []int32

// tapTable returns, for every kernel tap (kh, kw) and output position (oh, ow), in that order, the index
// of the input value it reads in the zero-padded plane.
func tapTable(g convGeom) []int32 {
	key := g
	key.n, key.c, key.o = 0, 0, 0 // the table depends on the plane and kernel geometry only
	if v, ok := tapTables.Load(key); ok {
		return v.([]int32)
	}
	wp := g.padW()
	tbl := make([]int32, 0, g.k*g.k*g.p())
	for kh := 0; kh < g.k; kh++ {
		for kw := 0; kw < g.k; kw++ {
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					tbl = append(tbl, int32((oh*g.stride+kh)*wp+ow*g.stride+kw))
				}
			}
		}
	}
	v, _ := tapTables.LoadOrStore(key, tbl)
	return v.([]int32)
}

// tapSource is one column-matrix entry that reads a given input value: kernel tap tap at output
// position pos.
type tapSource struct{ tap, pos int32 }

// tapSourceTable lists, for every input value q = h*W + w of a plane, the column-matrix entries that read
// it: src[start[q]:start[q+1]], in ascending tap order.
type tapSourceTable struct {
	start []int32
	src   []tapSource
}

var tapSourceTables sync.Map // convGeom without batch and channel counts -> tapSourceTable

// tapSources inverts tapTable for col2imChunk: summing each input value's sources in ascending tap
// order, from zero, adds the same numbers in the same order as scattering the taps one after the other
// into a cleared padded plane did, so the gradient is bit for bit the same, without clearing a padded
// plane per channel and sample or scattering into it (~15% of a 48x48 training step before).
func tapSources(g convGeom) tapSourceTable {
	key := g
	key.n, key.c, key.o = 0, 0, 0
	if v, ok := tapSourceTables.Load(key); ok {
		return v.(tapSourceTable)
	}
	tbl, p, wp := tapTable(g), g.p(), g.padW()
	lists := make([][]tapSource, g.h*g.w)
	for tap := 0; tap < g.k*g.k; tap++ {
		for pos, s := range tbl[tap*p : (tap+1)*p] {
			r, c := int(s)/wp-g.pt, int(s)%wp-g.pl
			if r < 0 || r >= g.h || c < 0 || c >= g.w {
				continue // padding: its gradient is dropped
			}
			lists[r*g.w+c] = append(lists[r*g.w+c], tapSource{int32(tap), int32(pos)})
		}
	}
	var t tapSourceTable
	for _, l := range lists {
		t.start = append(t.start, int32(len(t.src)))
		t.src = append(t.src, l...)
	}
	t.start = append(t.start, int32(len(t.src)))
	v, _ := tapSourceTables.LoadOrStore(key, t)
	return v.(tapSourceTable)
}

// padPlane copies the (H, W) plane into the interior of the zero-padded plane pad, whose border it
// leaves alone (zero: pad comes cleared from padScratch and only the interior is ever written).
func padPlane[T opFloat](g convGeom, plane, pad []T) {
	wp := g.padW()
	for r := 0; r < g.h; r++ {
		copySmall(pad[(r+g.pt)*wp+g.pl:][:g.w], plane[r*g.w:(r+1)*g.w])
	}
}
