package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// avgPool2d is a k x k average pool with the given stride and no padding ('valid'): each output is the
// mean of its k*k window.
func avgPool2d(x *G.Node, k, stride int) (*G.Node, error) {
	return applyAvgPool(avgPoolOp{k: k, stride: stride}, x)
}

// adaptiveAvgPool2d pools x (N, C, H, W) to (N, C, oh, ow) with PyTorch's AdaptiveAvgPool2d semantics: the
// window of output row i is [floor(i*H/oh), ceil((i+1)*H/oh)) (columns likewise), averaged over its size.
// Windows may overlap or, when the output is larger than the input, repeat (a 2x2 map pooled to 4x4
// replicates each value into a 2x2 block); oh = ow = 1 is the global average pool.
func adaptiveAvgPool2d(x *G.Node, oh, ow int) (*G.Node, error) {
	return applyAvgPool(avgPoolOp{adaptive: true, oh: oh, ow: ow}, x)
}

func applyAvgPool(op avgPoolOp, x *G.Node) (*G.Node, error) {
	op.owned = newOwned()
	if _, err := op.InferShape(x.Shape()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return y, nil
}

// avgPoolOp averages windows given by per-axis tables (see windows); inputs (x) -> y.
type avgPoolOp struct {
	adaptive  bool
	k, stride int // valid pooling
	oh, ow    int // adaptive pooling
	owned
}

// avgTables are the per-axis windows: output row i averages rows [r0[i], r1[i]), column j columns
// [c0[j], c1[j]).
type avgTables struct {
	n, c, h, w     int
	r0, r1, c0, c1 []int
	// The same windows flattened for the kernels: output o (row-major) sums the plane values at
	// offs[start[o]:start[o+1]] (its window's rows top to bottom, each left to right) and divides the
	// sum by area[o]. One flat loop per output instead of a loop nest per window row: on the aux
	// heads' 3x3 -> 4x4 pools of small inputs the nest's set-up cost more than the sums.
	offs, start []int32
	area        []float64
}

// flatten fills offs, start and area from the per-axis tables.
func (t *avgTables) flatten() {
	t.start = make([]int32, 0, t.oh()*t.ow()+1)
	t.area = make([]float64, 0, t.oh()*t.ow())
	for i := range t.r0 {
		for j := range t.c0 {
			t.start = append(t.start, int32(len(t.offs)))
			for r := t.r0[i]; r < t.r1[i]; r++ {
				for c := t.c0[j]; c < t.c1[j]; c++ {
					t.offs = append(t.offs, int32(r*t.w+c))
				}
			}
			t.area = append(t.area, float64((t.r1[i]-t.r0[i])*(t.c1[j]-t.c0[j])))
		}
	}
	t.start = append(t.start, int32(len(t.offs)))
}

func (t avgTables) oh() int { return len(t.r0) }
func (t avgTables) ow() int { return len(t.c0) }

func (op avgPoolOp) String() string {
	if op.adaptive {
		return fmt.Sprintf("model.adaptiveAvgPool2d{out=%dx%d}", op.oh, op.ow)
	}
	return fmt.Sprintf("model.avgPool2d{k=%d stride=%d valid}", op.k, op.stride)
}
func (op avgPoolOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op avgPoolOp) Hashcode() uint32      { return hashOp(op) }
func (op avgPoolOp) Arity() int            { return 1 }
func (op avgPoolOp) Type() hm.Type         { return fnType(4, 4) }
func (op avgPoolOp) ReturnsPtr() bool      { return false }
func (op avgPoolOp) CallsExtern() bool     { return false }
func (op avgPoolOp) OverwritesInput() int  { return -1 }
func (op avgPoolOp) DiffWRT(int) []bool    { return []bool{true} }

// tables validates the input shape (N, C, H, W) and builds the window tables.
func (op avgPoolOp) tables(x []int) (avgTables, error) {
	if len(x) != 4 {
		return avgTables{}, fmt.Errorf("model: %v: input x must be 4-D (N, C, H, W), got shape %s", op, fmtShape(x))
	}
	t := avgTables{n: x[0], c: x[1], h: x[2], w: x[3]}
	if t.h < 1 || t.w < 1 {
		return avgTables{}, fmt.Errorf("model: %v: input spatial size must be >= 1, got %dx%d", op, t.h, t.w)
	}
	if op.adaptive {
		if op.oh < 1 || op.ow < 1 {
			return avgTables{}, fmt.Errorf("model: %v: output size must be >= 1, got %dx%d", op, op.oh, op.ow)
		}
		t.r0, t.r1 = adaptiveWindows(t.h, op.oh)
		t.c0, t.c1 = adaptiveWindows(t.w, op.ow)
		t.flatten()
		return t, nil
	}
	if op.k < 1 || op.stride < 1 {
		return avgTables{}, fmt.Errorf("model: %v: kernel and stride must be >= 1, got k=%d stride=%d", op, op.k, op.stride)
	}
	if t.h < op.k || t.w < op.k {
		return avgTables{}, fmt.Errorf("model: %v: input %dx%d is smaller than the %dx%d window (use adaptiveAvgPool2d for small maps)", op, t.h, t.w, op.k, op.k)
	}
	t.r0, t.r1 = validWindows(t.h, op.k, op.stride)
	t.c0, t.c1 = validWindows(t.w, op.k, op.stride)
	t.flatten()
	return t, nil
}

// adaptiveWindows: window i of n outputs over size is [floor(i*size/n), ceil((i+1)*size/n)).
func adaptiveWindows(size, n int) (start, end []int) {
	start, end = make([]int, n), make([]int, n)
	for i := range start {
		start[i] = i * size / n
		end[i] = ((i+1)*size + n - 1) / n
	}
	return start, end
}

// validWindows: window i is [i*stride, i*stride+k) for every window that fits.
func validWindows(size, k, stride int) (start, end []int) {
	n := (size-k)/stride + 1
	start, end = make([]int, n), make([]int, n)
	for i := range start {
		start[i], end[i] = i*stride, i*stride+k
	}
	return start, end
}

func (op avgPoolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "x")
	if err != nil {
		return nil, err
	}
	x := shapes[0]
	t, err := op.tables(x)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{t.n, t.c, t.oh(), t.ow()}, nil
}

func (op avgPoolOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op avgPoolOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op avgPoolOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	d, err := denseInputs(op, []string{"x"}, []int{4}, in)
	if err != nil {
		return nil, err
	}
	t, err := op.tables(d[0].Shape())
	if err != nil {
		return nil, err
	}
	y, err := output(op, prealloc, d[0].Dtype(), []int{t.n, t.c, t.oh(), t.ow()})
	if err != nil {
		return nil, err
	}
	if d[0].Dtype() == tensor.Float32 {
		avgPoolForward(t, sliceOf[float32](d[0]), sliceOf[float32](y))
	} else {
		avgPoolForward(t, sliceOf[float64](d[0]), sliceOf[float64](y))
	}
	return y, nil
}

// areas returns t's window sizes in the element type, the divisors of the kernels.
func areas[T opFloat](t avgTables) []T {
	out := make([]T, len(t.area))
	for o, a := range t.area {
		out[o] = T(a)
	}
	return out
}

func avgPoolForward[T opFloat](t avgTables, x, y []T) {
	hw, ohw := t.h*t.w, t.oh()*t.ow()
	area := areas[T](t)
	parallelRange(t.n*t.c, hw, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			plane, out := x[p*hw:(p+1)*hw], y[p*ohw:(p+1)*ohw]
			for o := range out {
				var s T
				for _, off := range t.offs[t.start[o]:t.start[o+1]] {
					s += plane[off]
				}
				out[o] = s / area[o]
			}
		}
	})
}

func (op avgPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("model: %v: SymDiff expects 1 input, got %d", op, len(inputs))
	}
	var xs [4]int
	copy(xs[:], inputs[0].Shape())
	dx, err := G.ApplyOp(avgPoolGradOp{fwd: op, x: xs, owned: newOwned()}, grad)
	if err != nil {
		return nil, fmt.Errorf("model: %v: gradient: %w", op, err)
	}
	return G.Nodes{dx}, nil
}

// avgPoolGradOp spreads dy evenly over each window: inputs (dy) -> dx with the forward input's shape.
type avgPoolGradOp struct {
	fwd avgPoolOp // parameters only: its owned output belongs to the forward node
	x   [4]int
	owned
}

func (op avgPoolGradOp) String() string {
	return fmt.Sprintf("model.avgPoolGrad{%v x=%v}", op.fwd, op.x)
}
func (op avgPoolGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op avgPoolGradOp) Hashcode() uint32      { return hashOp(op) }
func (op avgPoolGradOp) Arity() int            { return 1 }
func (op avgPoolGradOp) Type() hm.Type         { return fnType(4, 4) }
func (op avgPoolGradOp) ReturnsPtr() bool      { return false }
func (op avgPoolGradOp) CallsExtern() bool     { return false }
func (op avgPoolGradOp) OverwritesInput() int  { return -1 }

func (op avgPoolGradOp) tables(dy []int) (avgTables, error) {
	t, err := op.fwd.tables(op.x[:])
	if err != nil {
		return avgTables{}, err
	}
	if want := []int{t.n, t.c, t.oh(), t.ow()}; !tensor.Shape(dy).Eq(tensor.Shape(want)) {
		return avgTables{}, fmt.Errorf("model: %v: output gradient must have shape %s, got %s", op, fmtShape(want), fmtShape(dy))
	}
	return t, nil
}

func (op avgPoolGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "dy")
	if err != nil {
		return nil, err
	}
	dy := shapes[0]
	if _, err := op.tables(dy); err != nil {
		return nil, err
	}
	return tensor.Shape(op.x[:]).Clone(), nil
}

func (op avgPoolGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op avgPoolGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op avgPoolGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	d, err := denseInputs(op, []string{"dy"}, []int{4}, in)
	if err != nil {
		return nil, err
	}
	t, err := op.tables(d[0].Shape())
	if err != nil {
		return nil, err
	}
	dx, err := output(op, prealloc, d[0].Dtype(), op.x[:])
	if err != nil {
		return nil, err
	}
	if d[0].Dtype() == tensor.Float32 {
		avgPoolBackward(t, sliceOf[float32](d[0]), sliceOf[float32](dx))
	} else {
		avgPoolBackward(t, sliceOf[float64](d[0]), sliceOf[float64](dx))
	}
	return dx, nil
}

func avgPoolBackward[T opFloat](t avgTables, dy, dx []T) {
	hw, ohw := t.h*t.w, t.oh()*t.ow()
	area := areas[T](t)
	parallelRange(t.n*t.c, hw, func(lo, hi int) {
		clear(dx[lo*hw : hi*hw])
		for p := lo; p < hi; p++ {
			grad, out := dy[p*ohw:(p+1)*ohw], dx[p*hw:(p+1)*hw]
			for o, gv := range grad {
				g := gv / area[o]
				for _, off := range t.offs[t.start[o]:t.start[o+1]] {
					out[off] += g
				}
			}
		}
	})
}
