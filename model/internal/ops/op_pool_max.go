package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// maxPool2d is a k x k max pool with the given stride over x (N, C, H, W). Padding pad = (top, bottom,
// left, right) is filled with -inf, as in TensorFlow 'SAME' pooling: padded cells never win, so every
// window's maximum comes from the input. Each pad must be < k, so every window holds an input cell.
// The gradient goes to the first maximum of each window in row-major window order.
func maxPool2d(x *G.Node, k, stride int, pad [4]int) (*G.Node, error) {
	op := maxPoolOp{k: k, stride: stride, pad: pad, owned: newOwned()}
	if _, err := op.InferShape(x.Shape()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return y, nil
}

// poolGeom is the geometry of a windowed pool; windows of output (i, j) start at (i*stride-pt, j*stride-pl).
type poolGeom struct {
	n, c, h, w int
	k, stride  int
	pt, pl     int
	oh, ow     int
}

func newMaxPoolGeom(op fmt.Stringer, x []int, k, stride int, pad [4]int) (poolGeom, error) {
	if len(x) != 4 {
		return poolGeom{}, fmt.Errorf("model: %v: input x must be 4-D (N, C, H, W), got shape %s", op, fmtShape(x))
	}
	if k < 1 || stride < 1 {
		return poolGeom{}, fmt.Errorf("model: %v: kernel and stride must be >= 1, got k=%d stride=%d", op, k, stride)
	}
	for i, p := range pad {
		if p < 0 || p >= k {
			return poolGeom{}, fmt.Errorf("model: %v: pad[%d] (top, bottom, left, right) must be in [0, %d), got %d", op, i, k, p)
		}
	}
	hp, wp := x[2]+pad[0]+pad[1], x[3]+pad[2]+pad[3]
	if hp < k || wp < k {
		return poolGeom{}, fmt.Errorf("model: %v: padded input %dx%d is smaller than the %dx%d window", op, hp, wp, k, k)
	}
	return poolGeom{n: x[0], c: x[1], h: x[2], w: x[3], k: k, stride: stride, pt: pad[0], pl: pad[2],
		oh: (hp-k)/stride + 1, ow: (wp-k)/stride + 1}, nil
}

// wholePlane reports whether every output's window covers the whole input plane (the 3x3 SAME pools of
// late Inception blocks on 2x2 and 1x1 maps): then each output is the plane's first maximum.
func (g poolGeom) wholePlane() bool {
	for i := 0; i < g.oh; i++ {
		if r0, r1, _, _ := g.window(i, 0); r0 != 0 || r1 != g.h {
			return false
		}
	}
	for j := 0; j < g.ow; j++ {
		if _, _, c0, c1 := g.window(0, j); c0 != 0 || c1 != g.w {
			return false
		}
	}
	return true
}

// window returns the input rows [r0, r1) and columns [c0, c1) of output (i, j), clipped to the input.
func (g poolGeom) window(i, j int) (r0, r1, c0, c1 int) {
	r0, c0 = i*g.stride-g.pt, j*g.stride-g.pl
	r1, c1 = min(r0+g.k, g.h), min(c0+g.k, g.w)
	return max(r0, 0), r1, max(c0, 0), c1
}

// argmax returns the plane index of the first maximum of window (i, j) of plane (H*W).
func argmax[T opFloat](g poolGeom, plane []T, i, j int) int {
	r0, r1, c0, c1 := g.window(i, j)
	best, at := T(math.Inf(-1)), -1
	for r := r0; r < r1; r++ {
		for c := c0; c < c1; c++ {
			if v := plane[r*g.w+c]; v > best || at < 0 {
				best, at = v, r*g.w+c
			}
		}
	}
	return at
}

// maxPoolOp: inputs (x) -> y (N, C, OH, OW).
type maxPoolOp struct {
	k, stride int
	pad       [4]int
	owned
}

func (op maxPoolOp) String() string {
	return fmt.Sprintf("model.maxPool2d{k=%d stride=%d pad=%v}", op.k, op.stride, op.pad)
}
func (op maxPoolOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op maxPoolOp) Hashcode() uint32      { return hashOp(op) }
func (op maxPoolOp) Arity() int            { return 1 }
func (op maxPoolOp) Type() hm.Type         { return fnType(4, 4) }
func (op maxPoolOp) ReturnsPtr() bool      { return false }
func (op maxPoolOp) CallsExtern() bool     { return false }
func (op maxPoolOp) OverwritesInput() int  { return -1 }
func (op maxPoolOp) DiffWRT(int) []bool    { return []bool{true} }

func (op maxPoolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "x")
	if err != nil {
		return nil, err
	}
	x := shapes[0]
	g, err := newMaxPoolGeom(op, x, op.k, op.stride, op.pad)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.n, g.c, g.oh, g.ow}, nil
}

func (op maxPoolOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op maxPoolOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op maxPoolOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"x"}, []int{4}, in)
	if err != nil {
		return nil, err
	}
	g, err := newMaxPoolGeom(op, t[0].Shape(), op.k, op.stride, op.pad)
	if err != nil {
		return nil, err
	}
	y, err := output(op, prealloc, t[0].Dtype(), []int{g.n, g.c, g.oh, g.ow})
	if err != nil {
		return nil, err
	}
	k := op.keptArgmax()
	n := g.n * g.c * g.oh * g.ow
	var idx []int32
	var short []uint16
	if k != nil && g.shortArgmax() {
		// Kept as uint16: half the memory (~44 MB of a 224x16 training step's argmaxes).
		short = keptBuffer[uint16](k, n)
	} else {
		idx = keptBuffer[int32](k, n)
	}
	var src any
	if t[0].Dtype() == tensor.Float32 {
		x := sliceOf[float32](t[0])
		maxPoolForward(g, x, sliceOf[float32](y), idx, short)
		src = &x[0]
	} else {
		x := sliceOf[float64](t[0])
		maxPoolForward(g, x, sliceOf[float64](y), idx, short)
		src = &x[0]
	}
	k.record(src)
	return y, nil
}

// shortArgmax reports whether every plane index fits in a uint16, so that the kept argmaxes can be
// stored in half the memory.
func (g poolGeom) shortArgmax() bool { return g.h*g.w <= 1<<16 }

// keptArgmax is where the op keeps the window argmaxes of a run for its gradient: nil for ops without a
// gradient (an inference graph's: nothing would read them) and for ops without a slot (built as
// literals); the gradient then recomputes them from x.
func (op maxPoolOp) keptArgmax() *kept {
	if s := op.outSlot(); s != nil {
		return s.argmax
	}
	return nil
}

// maxPoolForward writes each window's maximum to y and, when idx is not nil, the plane index of its
// first maximum (row-major) to idx, or, when short is not nil instead, that index as a uint16 (which
// g.shortArgmax says it fits): through the vector 3x3 kernels (pool_max3.go) where they apply, else
// plane by plane (maxPoolPlanes).
func maxPoolForward[T opFloat](g poolGeom, x, y []T, idx []int32, short []uint16) {
	if xf, ok := any(x).([]float32); ok && useMaxPool3(g) {
		maxPool3Flat(g, xf, any(y).([]float32), idx, short)
		return
	}
	if xf, ok := any(x).([]float32); ok && useMaxPool3AVX2(g) {
		maxPool3FlatAVX2(g, xf, any(y).([]float32), idx, short)
		return
	}
	if short == nil {
		maxPoolPlanes(g, x, y, idx)
		return
	}
	n := len(short)
	buf := getScratch[float32](n)
	defer putScratch(buf)
	idx = int32s((*buf)[:n])
	maxPoolPlanes(g, x, y, idx)
	parallelRange(n, 1, func(lo, hi int) {
		for i, v := range idx[lo:hi] {
			short[lo+i] = uint16(v)
		}
	})
}

// maxPoolPlanes is maxPoolForward in Go, plane by plane (the reference of the vector kernels).
func maxPoolPlanes[T opFloat](g poolGeom, x, y []T, idx []int32) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	if g.wholePlane() {
		parallelRange(g.n*g.c, hw, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				plane := x[p*hw : (p+1)*hw]
				best, at := plane[0], 0
				for i, v := range plane {
					if v > best {
						best, at = v, i
					}
				}
				for j := range y[p*ohw : (p+1)*ohw] {
					y[p*ohw+j] = best
					if idx != nil {
						idx[p*ohw+j] = int32(at)
					}
				}
			}
		})
		return
	}
	workers := workersFor(g.n)
	scratch := make([]*[]T, workers)
	for i := range scratch {
		scratch[i] = getScratch[T](2 * g.h * g.ow)
	}
	parallelSamples(g.n*g.c, workers, func(wk int, p int) {
		var at []int32
		if idx != nil {
			at = idx[p*ohw : (p+1)*ohw]
		}
		s := *scratch[wk]
		maxPoolPlane(g, x[p*hw:(p+1)*hw], y[p*ohw:(p+1)*ohw], at, s[:g.h*g.ow], s[g.h*g.ow:])
	})
	for _, s := range scratch {
		putScratch(s)
	}
}

// maxPoolPlane pools one (H, W) plane separably: first each input row's window maxima and their
// columns (hv, hc: H x OW), then, per output row, the first of its window's rows holding the largest
// of those. For finite inputs this is argmax's rule (the first maximum in row-major order) with 2k
// instead of k*k comparisons per output and row-wise inner loops.
func maxPoolPlane[T opFloat](g poolGeom, plane, out []T, idx []int32, hv, hc []T) {
	for r := 0; r < g.h; r++ {
		row := plane[r*g.w : (r+1)*g.w]
		hvr, hcr := hv[r*g.ow:(r+1)*g.ow], hc[r*g.ow:(r+1)*g.ow]
		for j := range hvr {
			c0 := j*g.stride - g.pl
			c1 := min(c0+g.k, g.w)
			c0 = max(c0, 0)
			best, at := row[c0], c0
			for c := c0 + 1; c < c1; c++ {
				// Branch-free (a conditional move and a max): the comparisons of a window's values
				// are unpredictable. The same result as "if v > best { best, at = v, c }" for
				// non-NaN values.
				v := row[c]
				if v > best {
					at = c
				}
				best = max(best, v)
			}
			hvr[j], hcr[j] = best, T(at)
		}
	}
	for i := 0; i < g.oh; i++ {
		r0 := i*g.stride - g.pt
		r1 := min(r0+g.k, g.h)
		r0 = max(r0, 0)
		o := out[i*g.ow : (i+1)*g.ow]
		copySmall(o, hv[r0*g.ow:(r0+1)*g.ow])
		if idx == nil {
			for r := r0 + 1; r < r1; r++ {
				for j, v := range hv[r*g.ow : (r+1)*g.ow] {
					o[j] = max(o[j], v)
				}
			}
			continue
		}
		ix := idx[i*g.ow : (i+1)*g.ow]
		for j, c := range hc[r0*g.ow : (r0+1)*g.ow] {
			ix[j] = int32(r0*g.w + int(c))
		}
		for r := r0 + 1; r < r1; r++ {
			hcr := hc[r*g.ow : (r+1)*g.ow]
			for j, v := range hv[r*g.ow : (r+1)*g.ow] {
				cur, c := ix[j], int32(r*g.w+int(hcr[j]))
				if v > o[j] {
					cur = c
				}
				ix[j], o[j] = cur, max(o[j], v)
			}
		}
	}
}

func (op maxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("model: %v: SymDiff expects 1 input, got %d", op, len(inputs))
	}
	if s := op.outSlot(); s != nil && s.argmax == nil {
		s.argmax = new(kept) // the gradient reads them
	}
	dx, err := G.ApplyOp(maxPoolGradOp{fwd: op, owned: newOwned()}, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("model: %v: gradient: %w", op, err)
	}
	return G.Nodes{dx}, nil
}

// maxPoolGradOp routes dy to each window's first maximum: inputs (x, dy) -> dx. The argmax is recomputed
// from x, so the op keeps no state between the forward and backward passes.
type maxPoolGradOp struct {
	fwd maxPoolOp // parameters only: its owned output belongs to the forward node
	owned
}

func (op maxPoolGradOp) String() string {
	return fmt.Sprintf("model.maxPool2dGrad{k=%d stride=%d pad=%v}", op.fwd.k, op.fwd.stride, op.fwd.pad)
}
func (op maxPoolGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op maxPoolGradOp) Hashcode() uint32      { return hashOp(op) }
func (op maxPoolGradOp) Arity() int            { return 2 }
func (op maxPoolGradOp) Type() hm.Type         { return fnType(4, 4, 4) }
func (op maxPoolGradOp) ReturnsPtr() bool      { return false }
func (op maxPoolGradOp) CallsExtern() bool     { return false }
func (op maxPoolGradOp) OverwritesInput() int  { return -1 }

func (op maxPoolGradOp) geom(x, dy []int) (poolGeom, error) {
	g, err := newMaxPoolGeom(op, x, op.fwd.k, op.fwd.stride, op.fwd.pad)
	if err != nil {
		return poolGeom{}, err
	}
	if want := []int{g.n, g.c, g.oh, g.ow}; !tensor.Shape(dy).Eq(tensor.Shape(want)) {
		return poolGeom{}, fmt.Errorf("model: %v: output gradient must have shape %s, got %s", op, fmtShape(want), fmtShape(dy))
	}
	return g, nil
}

func (op maxPoolGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "x", "dy")
	if err != nil {
		return nil, err
	}
	x, dy := shapes[0], shapes[1]
	if _, err := op.geom(x, dy); err != nil {
		return nil, err
	}
	return x.Clone(), nil
}

func (op maxPoolGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op maxPoolGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op maxPoolGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"x", "dy"}, []int{4, 4}, in)
	if err != nil {
		return nil, err
	}
	g, err := op.geom(t[0].Shape(), t[1].Shape())
	if err != nil {
		return nil, err
	}
	dx, err := output(op, prealloc, t[0].Dtype(), t[0].Shape())
	if err != nil {
		return nil, err
	}
	n := t[1].Shape().TotalSize()
	if t[0].Dtype() == tensor.Float32 {
		maxPoolGradKept(g, op.fwd.keptArgmax(), sliceOf[float32](t[0]), sliceOf[float32](t[1]), sliceOf[float32](dx), n)
	} else {
		maxPoolGradKept(g, op.fwd.keptArgmax(), sliceOf[float64](t[0]), sliceOf[float64](t[1]), sliceOf[float64](dx), n)
	}
	return dx, nil
}

// maxPoolGradKept runs maxPoolBackward with the argmaxes the forward pass kept for this x (uint16 or
// int32, see maxPoolOp.run), or without them.
func maxPoolGradKept[T opFloat](g poolGeom, k *kept, x, dy, dx []T, n int) {
	if idx := keptFor[uint16](k, &x[0], n); idx != nil {
		maxPoolBackward(g, x, dy, dx, idx)
		return
	}
	maxPoolBackward(g, x, dy, dx, keptFor[int32](k, &x[0], n))
}

// maxPoolBackward routes dy to the window argmaxes: idx from the forward pass when given, else
// recomputed from x.
func maxPoolBackward[T opFloat, I int32 | uint16](g poolGeom, x, dy, dx []T, idx []I) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	if idx != nil {
		// One loop over each core's contiguous planes: tiny planes (a 2x2 map has 4 values) cost no
		// call or clear of their own. Each plane's sums run in output order, as plane by plane.
		parallelRange(g.n*g.c, hw+ohw, func(lo, hi int) {
			clear(dx[lo*hw : hi*hw])
			for p := lo; p < hi; p++ {
				out, grad := dx[p*hw:(p+1)*hw], dy[p*ohw:(p+1)*ohw]
				for i, at := range idx[p*ohw : (p+1)*ohw] {
					out[at] += grad[i]
				}
			}
		})
		return
	}
	parallelSamples(g.n*g.c, workersFor(g.n), func(_, p int) {
		plane, grad, out := x[p*hw:(p+1)*hw], dy[p*ohw:(p+1)*ohw], dx[p*hw:(p+1)*hw]
		clear(out)
		for i := 0; i < g.oh; i++ {
			for j := 0; j < g.ow; j++ {
				out[argmax(g, plane, i, j)] += grad[i*g.ow+j]
			}
		}
	})
}
