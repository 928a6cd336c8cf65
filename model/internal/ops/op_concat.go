package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// concatChannels concatenates 4-D tensors (N, Ci, H, W) along the channel axis into (N, sum Ci, H, W).
// A single input is returned as is.
//
// This is a custom op rather than gorgonia's Concat (which is correct): in NCHW each (sample, input)
// pair is one contiguous block, so the forward pass is N*len(xs) copies and each input's gradient is N
// copies out of dy, instead of the stock op's general strided iteration over every element; and shape
// errors name the mismatching input.
func concatChannels(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("model: concatChannels: needs at least one input")
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	op := concatOp{n: len(xs), owned: newOwned()}
	shapes := make([]G.DimSizer, len(xs))
	for i, x := range xs {
		shapes[i] = x.Shape()
	}
	if _, err := op.InferShape(shapes...); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(op, xs...)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return y, nil
}

// concatOp: inputs (x_0, ..., x_{n-1}) -> y.
type concatOp struct {
	n int
	owned
}

func (op concatOp) String() string        { return fmt.Sprintf("model.concatChannels{n=%d}", op.n) }
func (op concatOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op concatOp) Hashcode() uint32      { return hashOp(op) }
func (op concatOp) Arity() int            { return op.n }
func (op concatOp) ReturnsPtr() bool      { return false }
func (op concatOp) CallsExtern() bool     { return false }
func (op concatOp) OverwritesInput() int  { return -1 }

func (op concatOp) Type() hm.Type {
	dims := make([]int, op.n+1)
	for i := range dims {
		dims[i] = 4
	}
	return fnType(dims...)
}

func (op concatOp) DiffWRT(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

// outShape validates that every input is (N, Ci, H, W) with the same N, H, W.
func (op concatOp) outShape(shapes [][]int) ([]int, error) {
	if len(shapes) != op.n {
		return nil, fmt.Errorf("model: %v: expected %d inputs, got %d", op, op.n, len(shapes))
	}
	var out []int
	for i, s := range shapes {
		if len(s) != 4 {
			return nil, fmt.Errorf("model: %v: input %d must be 4-D (N, C, H, W), got shape %s", op, i, fmtShape(s))
		}
		if i == 0 {
			out = append([]int(nil), s...)
			continue
		}
		if s[0] != out[0] || s[2] != out[2] || s[3] != out[3] {
			return nil, fmt.Errorf("model: %v: input %d has shape %s; N, H, W must match input 0 %s", op, i, fmtShape(s), fmtShape(shapes[0]))
		}
		out[1] += s[1]
	}
	return out, nil
}

func (op concatOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes := make([][]int, len(in))
	for i, d := range in {
		s, err := shapeOf(op, d, fmt.Sprintf("input %d", i))
		if err != nil {
			return nil, err
		}
		shapes[i] = s
	}
	return op.outShape(shapes)
}

func (op concatOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op concatOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op concatOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	names, dims := make([]string, len(in)), make([]int, len(in))
	for i := range in {
		names[i], dims[i] = fmt.Sprintf("input %d", i), 4
	}
	t, err := denseInputs(op, names, dims, in)
	if err != nil {
		return nil, err
	}
	shapes := make([][]int, len(t))
	for i, d := range t {
		shapes[i] = d.Shape()
	}
	s, err := op.outShape(shapes)
	if err != nil {
		return nil, err
	}
	y, err := output(op, prealloc, t[0].Dtype(), s)
	if err != nil {
		return nil, err
	}
	if t[0].Dtype() == tensor.Float32 {
		concatForward(t, sliceOf[float32](y), s)
	} else {
		concatForward(t, sliceOf[float64](y), s)
	}
	return y, nil
}

func concatForward[T opFloat](xs []*tensor.Dense, y []T, s []int) {
	hw := s[2] * s[3]
	parallelRange(s[0], s[1]*hw, func(lo, hi int) {
		off := 0
		for _, x := range xs {
			src, block := sliceOf[T](x), x.Shape()[1]*hw
			for n := lo; n < hi; n++ {
				copy(y[n*s[1]*hw+off:][:block], src[n*block:(n+1)*block])
			}
			off += block
		}
	})
}

func (op concatOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.n {
		return nil, fmt.Errorf("model: %v: SymDiff expects %d inputs, got %d", op, op.n, len(inputs))
	}
	out := make(G.Nodes, len(inputs))
	start := 0
	for i, x := range inputs {
		c := x.Shape()[1]
		dx, err := G.ApplyOp(channelSliceOp{start: start, end: start + c, owned: newOwned()}, grad)
		if err != nil {
			return nil, fmt.Errorf("model: %v: gradient of input %d: %w", op, i, err)
		}
		out[i] = dx
		start += c
	}
	return out, nil
}

// channelSliceOp copies channels [start, end) of a 4-D tensor: the gradient of one concat input.
type channelSliceOp struct {
	start, end int
	owned
}

func (op channelSliceOp) String() string {
	return fmt.Sprintf("model.channelSlice{%d:%d}", op.start, op.end)
}
func (op channelSliceOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op channelSliceOp) Hashcode() uint32      { return hashOp(op) }
func (op channelSliceOp) Arity() int            { return 1 }
func (op channelSliceOp) Type() hm.Type         { return fnType(4, 4) }
func (op channelSliceOp) ReturnsPtr() bool      { return false }
func (op channelSliceOp) CallsExtern() bool     { return false }
func (op channelSliceOp) OverwritesInput() int  { return -1 }

func (op channelSliceOp) outShape(s []int) ([]int, error) {
	if len(s) != 4 || op.start < 0 || op.end <= op.start || op.end > s[1] {
		return nil, fmt.Errorf("model: %v: needs a 4-D input with at least %d channels, got shape %s", op, op.end, fmtShape(s))
	}
	return []int{s[0], op.end - op.start, s[2], s[3]}, nil
}

func (op channelSliceOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "dy")
	if err != nil {
		return nil, err
	}
	s := shapes[0]
	return op.outShape(s)
}

func (op channelSliceOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op channelSliceOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op channelSliceOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"dy"}, []int{4}, in)
	if err != nil {
		return nil, err
	}
	s := t[0].Shape()
	os, err := op.outShape(s)
	if err != nil {
		return nil, err
	}
	dx, err := output(op, prealloc, t[0].Dtype(), os)
	if err != nil {
		return nil, err
	}
	if t[0].Dtype() == tensor.Float32 {
		sliceChannels(sliceOf[float32](t[0]), sliceOf[float32](dx), s, op.start, op.end)
	} else {
		sliceChannels(sliceOf[float64](t[0]), sliceOf[float64](dx), s, op.start, op.end)
	}
	return dx, nil
}

func sliceChannels[T opFloat](src, dst []T, s []int, start, end int) {
	hw := s[2] * s[3]
	block := (end - start) * hw
	parallelRange(s[0], block, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			copy(dst[n*block:(n+1)*block], src[(n*s[1]+start)*hw:])
		}
	})
}
