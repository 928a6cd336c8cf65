package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dense is a fully connected layer: x (N, ...) is read as (N, In) in row-major (C, H, W) order, w is
// (Out, In) (PyTorch layout), b is (Out); y = relu?(x w^T + b) has shape (N, Out).
func dense(x, w, b *G.Node, relu bool) (*G.Node, error) {
	op := denseOp{xDims: x.Dims(), relu: relu, owned: newOwned()}
	if _, err := op.InferShape(x.Shape(), w.Shape(), b.Shape()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(op, x, w, b)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return y, nil
}

// denseOp: inputs (x, w, b) -> y (N, Out).
type denseOp struct {
	xDims int
	relu  bool
	owned
}

func (op denseOp) String() string {
	return fmt.Sprintf("model.dense{xdims=%d relu=%t}", op.xDims, op.relu)
}
func (op denseOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op denseOp) Hashcode() uint32      { return hashOp(op) }
func (op denseOp) Arity() int            { return 3 }
func (op denseOp) Type() hm.Type         { return fnType(op.xDims, 2, 1, 2) }
func (op denseOp) ReturnsPtr() bool      { return false }
func (op denseOp) CallsExtern() bool     { return false }
func (op denseOp) OverwritesInput() int  { return -1 }
func (op denseOp) DiffWRT(int) []bool    { return []bool{true, true, true} }

// dims validates x (N, ...), w (Out, In) and b (Out) and returns N, In, Out.
func (op denseOp) dims(x, w, b []int) (n, in, out int, err error) {
	if len(x) < 2 {
		return 0, 0, 0, fmt.Errorf("model: %v: input x must be at least 2-D (N, ...), got shape %s", op, fmtShape(x))
	}
	in = 1
	for _, d := range x[1:] {
		in *= d
	}
	if len(w) != 2 || w[1] != in {
		return 0, 0, 0, fmt.Errorf("model: %v: weight w must be (Out, %d) for input %s, got shape %s", op, in, fmtShape(x), fmtShape(w))
	}
	if len(b) != 1 || b[0] != w[0] {
		return 0, 0, 0, fmt.Errorf("model: %v: bias b must have shape (%d) to match w %s, got %s", op, w[0], fmtShape(w), fmtShape(b))
	}
	return x[0], in, w[0], nil
}

func (op denseOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := inputShapes(op, in, "x", "w", "b")
	if err != nil {
		return nil, err
	}
	n, _, out, err := op.dims(s[0], s[1], s[2])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{n, out}, nil
}

func (op denseOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op denseOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op denseOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"x", "w", "b"}, []int{op.xDims, 2, 1}, in)
	if err != nil {
		return nil, err
	}
	n, nin, nout, err := op.dims(t[0].Shape(), t[1].Shape(), t[2].Shape())
	if err != nil {
		return nil, err
	}
	y, err := output(op, prealloc, t[0].Dtype(), []int{n, nout})
	if err != nil {
		return nil, err
	}
	if t[0].Dtype() == tensor.Float32 {
		denseForward(n, nin, nout, sliceOf[float32](t[0]), sliceOf[float32](t[1]), sliceOf[float32](t[2]), sliceOf[float32](y), op.relu)
	} else {
		denseForward(n, nin, nout, sliceOf[float64](t[0]), sliceOf[float64](t[1]), sliceOf[float64](t[2]), sliceOf[float64](y), op.relu)
	}
	return y, nil
}

func denseForward[T opFloat](n, in, out int, x, w, b, y []T, relu bool) {
	gemm(false, true, n, out, in, 1, x, in, w, in, 0, y, out)
	for i := 0; i < n; i++ {
		row := y[i*out : (i+1)*out]
		for j := range row {
			row[j] += b[j]
		}
		if relu {
			biasAct(row, row, 0, true)
		}
	}
}

func (op denseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("model: %v: SymDiff expects 3 inputs, got %d", op, len(inputs))
	}
	x, w := inputs[0], inputs[1]
	dz, err := reluGrad(op.relu, output, grad)
	if err != nil {
		return nil, err
	}
	dx, err := G.ApplyOp(&denseGradOp{wrtInput: true, x: append([]int(nil), x.Shape()...), owned: newOwned()}, dz, w)
	if err != nil {
		return nil, fmt.Errorf("model: %v: input gradient: %w", op, err)
	}
	dw, err := G.ApplyOp(&denseGradOp{x: append([]int(nil), x.Shape()...), owned: newOwned()}, dz, x)
	if err != nil {
		return nil, fmt.Errorf("model: %v: weight gradient: %w", op, err)
	}
	db, err := G.ApplyOp(biasGradOp{dims: 2, owned: newOwned()}, dz)
	if err != nil {
		return nil, fmt.Errorf("model: %v: bias gradient: %w", op, err)
	}
	return G.Nodes{dx, dw, db}, nil
}

// denseGradOp is one gradient of dense. wrtInput: inputs (dz, w) -> dx = dz w, shaped like x.
// Otherwise: inputs (dz, x) -> dw = dz^T x (Out, In).
type denseGradOp struct {
	wrtInput bool
	x        []int // forward input shape
	owned
}

func (op *denseGradOp) String() string {
	if op.wrtInput {
		return fmt.Sprintf("model.denseInputGrad{x=%v}", op.x)
	}
	return fmt.Sprintf("model.denseWeightGrad{x=%v}", op.x)
}
func (op *denseGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *denseGradOp) Hashcode() uint32      { return hashOp(op) }
func (op *denseGradOp) Arity() int            { return 2 }
func (op *denseGradOp) ReturnsPtr() bool      { return false }
func (op *denseGradOp) CallsExtern() bool     { return false }
func (op *denseGradOp) OverwritesInput() int  { return -1 }

func (op *denseGradOp) Type() hm.Type {
	if op.wrtInput {
		return fnType(2, 2, len(op.x))
	}
	return fnType(2, len(op.x), 2)
}

func (op *denseGradOp) inputNames() []string {
	if op.wrtInput {
		return []string{"dz", "w"}
	}
	return []string{"dz", "x"}
}

// dims validates dz (N, Out) and the second input (w (Out, In) or x) and returns N, In, Out.
func (op *denseGradOp) dims(dz, other []int) (n, in, out int, err error) {
	n, in = op.x[0], 1
	for _, d := range op.x[1:] {
		in *= d
	}
	if len(dz) != 2 || dz[0] != n {
		return 0, 0, 0, fmt.Errorf("model: %v: output gradient must be (%d, Out), got shape %s", op, n, fmtShape(dz))
	}
	out = dz[1]
	want := op.x
	if op.wrtInput {
		want = []int{out, in}
	}
	if !tensor.Shape(other).Eq(tensor.Shape(want)) {
		return 0, 0, 0, fmt.Errorf("model: %v: %s must have shape %s, got %s", op, op.inputNames()[1], fmtShape(want), fmtShape(other))
	}
	return n, in, out, nil
}

func (op *denseGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "dz", op.inputNames()[1])
	if err != nil {
		return nil, err
	}
	dz, other := shapes[0], shapes[1]
	_, nin, nout, err := op.dims(dz, other)
	if err != nil {
		return nil, err
	}
	if op.wrtInput {
		return tensor.Shape(op.x).Clone(), nil
	}
	return tensor.Shape{nout, nin}, nil
}

func (op *denseGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op *denseGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op *denseGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	otherDims := len(op.x)
	if op.wrtInput {
		otherDims = 2
	}
	t, err := denseInputs(op, op.inputNames(), []int{2, otherDims}, in)
	if err != nil {
		return nil, err
	}
	n, nin, nout, err := op.dims(t[0].Shape(), t[1].Shape())
	if err != nil {
		return nil, err
	}
	shape := []int{nout, nin}
	if op.wrtInput {
		shape = op.x
	}
	res, err := output(op, prealloc, t[0].Dtype(), shape)
	if err != nil {
		return nil, err
	}
	if t[0].Dtype() == tensor.Float32 {
		denseBackward(op.wrtInput, n, nin, nout, sliceOf[float32](t[0]), sliceOf[float32](t[1]), sliceOf[float32](res))
	} else {
		denseBackward(op.wrtInput, n, nin, nout, sliceOf[float64](t[0]), sliceOf[float64](t[1]), sliceOf[float64](res))
	}
	return res, nil
}

// denseBackward: wrtInput: res (N, In) = dz (N, Out) w (Out, In); else res (Out, In) = dz^T x (N, In).
func denseBackward[T opFloat](wrtInput bool, n, in, out int, dz, other, res []T) {
	if wrtInput {
		gemm(false, false, n, in, out, 1, dz, out, other, in, 0, res, in)
		return
	}
	gemm(true, false, out, in, n, 1, dz, out, other, in, 0, res, in)
}
