package ops

import (
	"fmt"
	"hash"

	kern "inceptionlab/model/internal/gemm"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convDataGradOp is the convolution's input gradient: inputs (dz, w) -> dx with the shape of the forward
// input x (kept on the op, since H and W are not recoverable from dz when the stride does not divide).
type convDataGradOp struct {
	stride  int
	pad     [4]int
	x       [4]int // forward input shape (N, C, H, W)
	chunked bool   // dz is in chunk layout (convDzOp), not NCHW
	packs   *PackShare
	owned
}

func (op convDataGradOp) String() string {
	return fmt.Sprintf("model.conv2dDataGrad{stride=%d pad=%v x=%v chunked=%t}", op.stride, op.pad, op.x, op.chunked)
}
func (op convDataGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op convDataGradOp) Hashcode() uint32      { return hashOp(op) }
func (op convDataGradOp) Arity() int            { return 2 }
func (op convDataGradOp) Type() hm.Type         { return fnType(4, 4, 4) }
func (op convDataGradOp) ReturnsPtr() bool      { return false }
func (op convDataGradOp) CallsExtern() bool     { return false }
func (op convDataGradOp) OverwritesInput() int  { return -1 }

func (op convDataGradOp) geom(dz, w []int) (convGeom, error) {
	if len(w) != 4 || w[2] != w[3] {
		return convGeom{}, fmt.Errorf("model: %v: weight w must be (O, C, K, K), got shape %s", op, fmtShape(w))
	}
	g, err := newConvGeom(op, op.x[:], w[0], w[1], w[2], op.stride, op.pad)
	if err != nil {
		return convGeom{}, err
	}
	if want := []int{g.n, g.o, g.oh, g.ow}; !tensor.Shape(dz).Eq(tensor.Shape(want)) {
		return convGeom{}, fmt.Errorf("model: %v: output gradient must have shape %s, got %s", op, fmtShape(want), fmtShape(dz))
	}
	return g, nil
}

func (op convDataGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "dz", "w")
	if err != nil {
		return nil, err
	}
	dz, w := shapes[0], shapes[1]
	if _, err := op.geom(dz, w); err != nil {
		return nil, err
	}
	return tensor.Shape(op.x[:]).Clone(), nil
}

func (op convDataGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op convDataGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op convDataGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"dz", "w"}, []int{4, 4}, in)
	if err != nil {
		return nil, err
	}
	g, err := op.geom(t[0].Shape(), t[1].Shape())
	if err != nil {
		return nil, err
	}
	dx, err := output(op, prealloc, t[0].Dtype(), op.x[:])
	if err != nil {
		return nil, err
	}
	if op.chunked && g.chunk() < 2 {
		return nil, fmt.Errorf("model: %v: dz in chunk layout needs a batched convolution, got %d sample(s) per chunk", op, g.chunk())
	}
	if t[0].Dtype() == tensor.Float32 {
		convBackwardData(g, sliceOf[float32](t[0]), sliceOf[float32](t[1]), sliceOf[float32](dx), g.chunk(), op.chunked, op.packs, op.slot)
	} else {
		convBackwardData(g, sliceOf[float64](t[0]), sliceOf[float64](t[1]), sliceOf[float64](dx), g.chunk(), op.chunked, op.packs, op.slot)
	}
	return dx, nil
}

// convBackwardData computes dx: per sample dcol = W^T dZ_n, then col2im (1x1 direct: dx_n = W^T dZ_n);
// small maps batch s > 1 samples per GEMM (see convChunkCols), reading dz in place when chunked (chunk
// layout, see convDzOp) and gathering each chunk's O x (ns*P) matrix from NCHW otherwise.
func convBackwardData[T opFloat](g convGeom, dz, w, dx []T, s int, chunked bool, packs *PackShare, slot *outSlot) {
	if s == 1 && !g.direct() && convBackwardDataFlipped(g, dz, w, dx, packs, slot) {
		return
	}
	ckk, p := g.ckk(), g.p()
	wp, e := sharedPackA(packs, true, ckk, g.o, w, ckk) // W^T, packed once for every sample or chunk
	defer packs.release(wp, e)
	if s > 1 {
		dzBuf, colBuf := getScratch[T](g.o*s*p), getScratch[T](ckk*s*p)
		defer putScratch(dzBuf)
		defer putScratch(colBuf)
		dcol := *colBuf
		for n0 := 0; n0 < g.n; n0 += s {
			ns := min(s, g.n-n0)
			cols := ns * p
			if g.direct() { // dx is the product itself: stored into NCHW tile by tile, dz packed from NCHW if it is
				dxc := dx[n0*g.inSize():]
				if chunked {
					gemmPackedToSamples(wp, workersFor(ckk*cols), cols, dz[n0*g.outSize():], cols, nil, 0, dcol, dxc, p, g.inSize(), nil, false)
				} else {
					gemmPackedToSamples(wp, workersFor(ckk*cols), cols, nil, 0, dz[n0*g.outSize():], g.outSize(), dcol, dxc, p, g.inSize(), nil, false)
				}
				continue
			}
			dzc := chunkOf(g, dz, *dzBuf, n0, ns, chunked)
			gemmPacked(wp, workersFor(ckk*cols), false, cols, dzc, cols, 0, dcol, cols)
			col2imChunk(g, dcol, n0, ns, dx)
		}
		return
	}
	parallelSamples(g.n, workersFor(g.n), func(_, n int) {
		dzn := dz[n*g.outSize() : (n+1)*g.outSize()]
		dxn := dx[n*g.inSize() : (n+1)*g.inSize()]
		if g.direct() {
			gemmPacked(wp, 1, false, p, dzn, p, 0, dxn, p)
			return
		}
		buf := getScratch[T](ckk * p)
		defer putScratch(buf)
		gemmPacked(wp, 1, false, p, dzn, p, 0, *buf, p)
		col2im(g, *buf, dxn)
	})
}

// flippedGeom is the convolution whose forward pass computes g's input gradient from dz, when the
// implicit GEMM can run it (stride 1, SAME padding: output the input's size): dx = conv(dz, W'), W'
// the filters transposed and flipped (flippedFilters), dz padded by K-1-PT above and K-1-PL left.
func flippedGeom(g convGeom) (kern.ConvB, bool) {
	if g.stride != 1 || g.oh != g.h || g.ow != g.w || g.k-1-g.pt < 0 || g.k-1-g.pl < 0 {
		return kern.ConvB{}, false
	}
	return kern.ConvB{C: g.o, H: g.oh, W: g.ow, K: g.k, PT: g.k - 1 - g.pt, PL: g.k - 1 - g.pl, OH: g.h, OW: g.w}, true
}

// flippedFilters writes g's filters w (O, C, K, K) as the C x O*K*K matrix f of the input gradient's
// convolution: f[c][(o*K + i)*K + j] = w[o][c][K-1-i][K-1-j].
func flippedFilters[T opFloat](g convGeom, w, f []T) {
	kk, okk := g.k*g.k, g.o*g.k*g.k
	for o := 0; o < g.o; o++ {
		for c := 0; c < g.c; c++ {
			src := w[(o*g.c+c)*kk:][:kk]
			dst := f[c*okk+o*kk:][:kk]
			for t := range dst {
				dst[t] = src[kk-1-t]
			}
		}
	}
}

// convBackwardDataFlipped computes the input gradient of a per-sample convolution as the forward
// pass of the flipped convolution on dz (flippedGeom), an implicit GEMM per sample straight into dx,
// and reports false, doing nothing, where the implicit GEMM cannot run it. The column matrix W^T dz
// (C*K*K x OH*OW per sample: 7 MB for a 3x3 convolution of 64 channels at 56x56) and col2im's pass
// over it are never made. The sums run over (o, kh, kw) in another order than W^T dz followed by
// col2im: the same gradient up to float32 rounding (TestConvBackwardDataFlippedMatchesCol2im).
func convBackwardDataFlipped[T opFloat](g convGeom, dz, w, dx []T, packs *PackShare, slot *outSlot) bool {
	cb, ok := flippedGeom(g)
	if !ok || !kern.ConvImplicit[T](cb) {
		return false
	}
	wf, e := sharedPackFlipped(packs, &g, w, flipBuffer[T](slot, g.c*g.o*g.k*g.k))
	defer packs.release(wf, e)
	parallelSamples(g.n, workersFor(g.n), func(_, n int) {
		dzn := dz[n*g.outSize() : (n+1)*g.outSize()]
		dxn := dx[n*g.inSize() : (n+1)*g.inSize()]
		if !kern.GemmPackedConv(wf, 1, cb, dzn, dxn, g.inSize()/g.c) {
			panic("model: internal error: the implicit GEMM refused a convolution it accepted")
		}
	})
	return true
}

// convFilterGradOp is the convolution's filter gradient: inputs (x, dz) -> dw (O, C, K, K).
type convFilterGradOp struct {
	stride  int
	pad     [4]int
	k       int
	cols    *kept // the forward op's columns (nil: build them here)
	chunked bool  // dz is in chunk layout (convDzOp), not NCHW
	owned
}

func (op convFilterGradOp) String() string {
	return fmt.Sprintf("model.conv2dFilterGrad{k=%d stride=%d pad=%v chunked=%t}", op.k, op.stride, op.pad, op.chunked)
}
func (op convFilterGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op convFilterGradOp) Hashcode() uint32      { return hashOp(op) }
func (op convFilterGradOp) Arity() int            { return 2 }
func (op convFilterGradOp) Type() hm.Type         { return fnType(4, 4, 4) }
func (op convFilterGradOp) ReturnsPtr() bool      { return false }
func (op convFilterGradOp) CallsExtern() bool     { return false }
func (op convFilterGradOp) OverwritesInput() int  { return -1 }

func (op convFilterGradOp) geom(x, dz []int) (convGeom, error) {
	if len(dz) != 4 {
		return convGeom{}, fmt.Errorf("model: %v: output gradient dz must be 4-D, got shape %s", op, fmtShape(dz))
	}
	if len(x) != 4 {
		return convGeom{}, fmt.Errorf("model: %v: input x must be 4-D (N, C, H, W), got shape %s", op, fmtShape(x))
	}
	g, err := newConvGeom(op, x, dz[1], x[1], op.k, op.stride, op.pad)
	if err != nil {
		return convGeom{}, err
	}
	if want := []int{g.n, g.o, g.oh, g.ow}; !tensor.Shape(dz).Eq(tensor.Shape(want)) {
		return convGeom{}, fmt.Errorf("model: %v: output gradient must have shape %s, got %s", op, fmtShape(want), fmtShape(dz))
	}
	return g, nil
}

func (op convFilterGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "x", "dz")
	if err != nil {
		return nil, err
	}
	x, dz := shapes[0], shapes[1]
	g, err := op.geom(x, dz)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.o, g.c, g.k, g.k}, nil
}

func (op convFilterGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op convFilterGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op convFilterGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"x", "dz"}, []int{4, 4}, in)
	if err != nil {
		return nil, err
	}
	g, err := op.geom(t[0].Shape(), t[1].Shape())
	if err != nil {
		return nil, err
	}
	dw, err := output(op, prealloc, t[0].Dtype(), []int{g.o, g.c, g.k, g.k})
	if err != nil {
		return nil, err
	}
	if op.chunked && g.chunk() < 2 {
		return nil, fmt.Errorf("model: %v: dz in chunk layout needs a batched convolution, got %d sample(s) per chunk", op, g.chunk())
	}
	n := g.ckk() * g.p() * g.n
	if t[0].Dtype() == tensor.Float32 {
		x := sliceOf[float32](t[0])
		convBackwardFilter(g, x, sliceOf[float32](t[1]), sliceOf[float32](dw), g.chunk(), op.chunked, keptFor[float32](op.cols, &x[0], n))
	} else {
		x := sliceOf[float64](t[0])
		convBackwardFilter(g, x, sliceOf[float64](t[1]), sliceOf[float64](dw), g.chunk(), op.chunked, keptFor[float64](op.cols, &x[0], n))
	}
	return dw, nil
}

// convBackwardFilter computes dw = sum_n dZ_n col_n^T. Per-sample kernels accumulate into one buffer per
// block of samples (filterGradShards), summed in block order at the end; batched kernels (small maps,
// see convChunkCols) run one GEMM per chunk with the cores splitting dw's rows. Neither order depends
// on the number of cores, so results are the same on any. cached, when not nil, holds the forward
// pass's column matrices (see outSlot.cols); chunked says dz is in chunk layout (see convBackwardData).
func convBackwardFilter[T opFloat](g convGeom, x, dz, dw []T, s int, chunked bool, cached []T) {
	ckk, p := g.ckk(), g.p()
	if s > 1 {
		dzBuf, colBuf := getScratch[T](g.o*s*p), getScratch[T](ckk*s*p)
		defer putScratch(dzBuf)
		defer putScratch(colBuf)
		col := *colBuf
		for n0 := 0; n0 < g.n; n0 += s {
			ns := min(s, g.n-n0)
			cols := ns * p
			dzc := chunkOf(g, dz, *dzBuf, n0, ns, chunked)
			if cached != nil {
				col = cached[n0*ckk*p : (n0+ns)*ckk*p]
			} else {
				im2colChunk(g, x, n0, ns, col)
			}
			beta := T(1)
			if n0 == 0 {
				beta = 0
			}
			gemmPar(workersFor(g.o*ckk), false, true, g.o, ckk, cols, 1, dzc, cols, col, cols, beta, dw, ckk)
		}
		return
	}
	// One accumulator per fixed block of samples (filterGradShards of them, not one per worker), summed
	// in block order: the result is the same whatever the number of cores.
	shards := min(g.n, filterGradShards)
	acc := make([]*[]T, shards)
	for i := range acc {
		acc[i] = getScratch[T](g.o * ckk)
		clear(*acc[i])
	}
	parallelSamples(shards, workersFor(shards), func(_, sh int) {
		var buf *[]T
		if !g.direct() {
			buf = getScratch[T](ckk * p)
			defer putScratch(buf)
		}
		for n := sh * g.n / shards; n < (sh+1)*g.n/shards; n++ {
			xn := x[n*g.inSize() : (n+1)*g.inSize()]
			dzn := dz[n*g.outSize() : (n+1)*g.outSize()]
			col := xn
			if buf != nil {
				col = *buf
				im2col(g, xn, col)
			}
			gemm(false, true, g.o, ckk, p, 1, dzn, p, col, p, 1, *acc[sh], ckk)
		}
	})
	copy(dw, *acc[0])
	for _, a := range acc[1:] {
		for i, v := range *a {
			dw[i] += v
		}
	}
	for _, a := range acc {
		putScratch(a)
	}
}

// filterGradShards is how many blocks of samples the per-sample filter gradient sums separately (then
// adds in block order). It is fixed, rather than the number of workers, so that training gives the
// same bits on any number of cores (TestTrainStepIndependentOfThreads); up to that many cores share
// the work. Each block costs one O x C*K*K buffer (at most 0.5 MB in the paper's network).
const filterGradShards = 8

// chunkOf returns the O x (ns*P) dz matrix of the chunk of samples [n0, n0+ns): in place when dz is in
// chunk layout, else gathered from NCHW into buf.
func chunkOf[T opFloat](g convGeom, dz, buf []T, n0, ns int, chunked bool) []T {
	if chunked {
		return dz[n0*g.outSize() : (n0+ns)*g.outSize()]
	}
	gatherSamples(dz[n0*g.outSize():], buf, ns, g.o, g.p())
	return buf[:ns*g.outSize()]
}
