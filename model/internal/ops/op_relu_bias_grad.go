package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// reluGrad returns the gradient before a fused ReLU: dy masked by y > 0 (y is the op's output), or dy
// itself when the op has no ReLU.
func reluGrad(relu bool, y, dy *G.Node) (*G.Node, error) {
	if !relu {
		return dy, nil
	}
	dz, err := G.ApplyOp(reluGradOp{dims: y.Dims(), owned: newOwned()}, y, dy)
	if err != nil {
		return nil, fmt.Errorf("model: relu gradient: %w", err)
	}
	return dz, nil
}

// reluGradOp is dz = dy where y > 0, else 0; inputs (y, dy) of the same shape.
type reluGradOp struct {
	dims int
	owned
}

func (op reluGradOp) String() string        { return fmt.Sprintf("model.reluGrad{dims=%d}", op.dims) }
func (op reluGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op reluGradOp) Hashcode() uint32      { return hashOp(op) }
func (op reluGradOp) Arity() int            { return 2 }
func (op reluGradOp) Type() hm.Type         { return fnType(op.dims, op.dims, op.dims) }
func (op reluGradOp) ReturnsPtr() bool      { return false }
func (op reluGradOp) CallsExtern() bool     { return false }
func (op reluGradOp) OverwritesInput() int  { return -1 }

func (op reluGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return yDyShape(op, in)
}

func (op reluGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op reluGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op reluGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"y", "dy"}, []int{op.dims, op.dims}, in)
	if err != nil {
		return nil, err
	}
	if !t[0].Shape().Eq(t[1].Shape()) {
		return nil, fmt.Errorf("model: %v: y %s and dy %s must have the same shape", op, fmtShape(t[0].Shape()), fmtShape(t[1].Shape()))
	}
	dz, err := output(op, prealloc, t[0].Dtype(), t[0].Shape())
	if err != nil {
		return nil, err
	}
	if t[0].Dtype() == tensor.Float32 {
		maskPositive(sliceOf[float32](t[0]), sliceOf[float32](t[1]), sliceOf[float32](dz))
	} else {
		maskPositive(sliceOf[float64](t[0]), sliceOf[float64](t[1]), sliceOf[float64](dz))
	}
	return dz, nil
}

// biasGradOp sums dz (N, O, ...) of rank dims over every axis but 1: the gradient of a per-channel bias.
// With chunk > 1, dz is a batched convolution's in chunk layout (see convDzOp) of that many samples.
type biasGradOp struct {
	dims  int
	chunk int
	owned
}

func (op biasGradOp) String() string {
	return fmt.Sprintf("model.biasGrad{dims=%d chunk=%d}", op.dims, op.chunk)
}
func (op biasGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op biasGradOp) Hashcode() uint32      { return hashOp(op) }
func (op biasGradOp) Arity() int            { return 1 }
func (op biasGradOp) ReturnsPtr() bool      { return false }
func (op biasGradOp) CallsExtern() bool     { return false }
func (op biasGradOp) OverwritesInput() int  { return -1 }

func (op biasGradOp) Type() hm.Type { return fnType(op.dims, 1) }

func (op biasGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "dz")
	if err != nil {
		return nil, err
	}
	s := shapes[0]
	if len(s) < 2 || len(s) != op.dims {
		return nil, fmt.Errorf("model: %v: dz must be %d-D (N, O, ...), got shape %s", op, op.dims, fmtShape(s))
	}
	return tensor.Shape{s[1]}, nil
}

func (op biasGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op biasGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op biasGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"dz"}, []int{op.dims}, in)
	if err != nil {
		return nil, err
	}
	s := t[0].Shape()
	if len(s) < 2 {
		return nil, fmt.Errorf("model: %v: dz must be at least 2-D (N, O, ...), got shape %s", op, fmtShape(s))
	}
	db, err := output(op, prealloc, t[0].Dtype(), []int{s[1]})
	if err != nil {
		return nil, err
	}
	inner := 1
	for _, d := range s[2:] {
		inner *= d
	}
	switch {
	case op.chunk > 1 && t[0].Dtype() == tensor.Float32:
		sumChannelsChunked(sliceOf[float32](t[0]), sliceOf[float32](db), s[0], s[1], inner, op.chunk)
	case op.chunk > 1:
		sumChannelsChunked(sliceOf[float64](t[0]), sliceOf[float64](db), s[0], s[1], inner, op.chunk)
	case t[0].Dtype() == tensor.Float32:
		sumChannels(sliceOf[float32](t[0]), sliceOf[float32](db), s[0], s[1], inner)
	default:
		sumChannels(sliceOf[float64](t[0]), sliceOf[float64](db), s[0], s[1], inner)
	}
	return db, nil
}

// sumChannels sets db[o] = sum over n and the inner positions of dz (n, o, inner).
// Channels are split across cores; each channel's sum runs in the same order as serially.
func sumChannels[T opFloat](dz, db []T, n, o, inner int) {
	parallelRange(o, n*inner, func(lo, hi int) {
		clear(db[lo:hi])
		for i := 0; i < n; i++ {
			for c := lo; c < hi; c++ {
				var s T
				for _, v := range dz[(i*o+c)*inner : (i*o+c+1)*inner] {
					s += v
				}
				db[c] += s
			}
		}
	})
}
