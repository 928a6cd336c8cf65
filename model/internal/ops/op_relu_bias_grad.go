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
// Channels are split across cores; each channel's sum runs in the same order as serially: per sample,
// its run of inner values added one after the other from zero, then that added to db. Eight channels
// are summed side by side (sumRuns8): one dependent chain of adds ran at the adds' latency, ~4x below
// their throughput (1.7% of a 224x16 training step).
func sumChannels[T opFloat](dz, db []T, n, o, inner int) {
	parallelRange(o, n*inner, func(lo, hi int) {
		clear(db[lo:hi])
		for i := 0; i < n; i++ {
			c := lo
			for ; c+8 <= hi; c += 8 {
				sums := sumRuns8(dz[(i*o+c)*inner:][:8*inner], inner, inner)
				for j, s := range sums {
					db[c+j] += s
				}
			}
			for ; c < hi; c++ {
				var s T
				for _, v := range dz[(i*o+c)*inner : (i*o+c+1)*inner] {
					s += v
				}
				db[c] += s
			}
		}
	})
}

// sumRuns8 returns the sums of the eight runs d[k*stride : k*stride+l], k < 8, each added front to
// back from zero: eight independent chains of adds.
func sumRuns8[T opFloat](d []T, stride, l int) [8]T {
	r0, r1, r2, r3 := d[:l], d[stride:][:l], d[2*stride:][:l], d[3*stride:][:l]
	r4, r5, r6, r7 := d[4*stride:][:l], d[5*stride:][:l], d[6*stride:][:l], d[7*stride:][:l]
	var s0, s1, s2, s3, s4, s5, s6, s7 T
	for k := range r0 {
		s0 += r0[k]
		s1 += r1[k]
		s2 += r2[k]
		s3 += r3[k]
		s4 += r4[k]
		s5 += r5[k]
		s6 += r6[k]
		s7 += r7[k]
	}
	return [8]T{s0, s1, s2, s3, s4, s5, s6, s7}
}
