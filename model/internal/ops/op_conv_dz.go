package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convDzOp is the first step of a batched convolution's backward pass (maps under convChunkCols
// positions, g.chunk() = s > 1): dz = dy masked by y > 0 (the fused ReLU's gradient; dy itself
// without ReLU), written straight in the layout the backward GEMMs read: for every chunk of s samples
// starting at n0, the O x (ns*P) matrix of its samples side by side (sample j in columns [j*P,
// (j+1)*P)) at offset n0*O*P. The data, filter and bias gradients read that matrix in place. Before,
// the mask was one pass over dz and each of the data and filter gradients gathered dz into that
// layout again: three passes instead of one.
//
// The output has the shape of y, (N, O, OH, OW), but this chunk layout: only the gradient ops built
// with chunked = true (conv2dOp.SymDiff) may read it. Inputs (y, dy), or (dy) without ReLU.
type convDzOp struct {
	relu  bool
	chunk int // samples per chunk (> 1)
	owned
}

// chunkedDz returns the gradient before the convolution's bias and ReLU for a batched convolution,
// in chunk layout (see convDzOp).
func chunkedDz(relu bool, chunk int, y, dy *G.Node) (*G.Node, error) {
	op := convDzOp{relu: relu, chunk: chunk, owned: newOwned()}
	in := G.Nodes{dy}
	if relu {
		in = G.Nodes{y, dy}
	}
	dz, err := G.ApplyOp(op, in...)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return dz, nil
}

func (op convDzOp) String() string {
	return fmt.Sprintf("model.convDz{relu=%t chunk=%d}", op.relu, op.chunk)
}
func (op convDzOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op convDzOp) Hashcode() uint32      { return hashOp(op) }
func (op convDzOp) ReturnsPtr() bool      { return false }
func (op convDzOp) CallsExtern() bool     { return false }
func (op convDzOp) OverwritesInput() int  { return -1 }

func (op convDzOp) Arity() int {
	if op.relu {
		return 2
	}
	return 1
}

func (op convDzOp) names() []string {
	if op.relu {
		return []string{"y", "dy"}
	}
	return []string{"dy"}
}

func (op convDzOp) Type() hm.Type {
	if op.relu {
		return fnType(4, 4, 4)
	}
	return fnType(4, 4)
}

func (op convDzOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, op.names()...)
	if err != nil {
		return nil, err
	}
	s := shapes[len(shapes)-1]
	if len(s) != 4 {
		return nil, fmt.Errorf("model: %v: dy must be 4-D (N, O, OH, OW), got shape %s", op, fmtShape(s))
	}
	if op.relu && !shapes[0].Eq(s) {
		return nil, fmt.Errorf("model: %v: y %s and dy %s must have the same shape", op, fmtShape(shapes[0]), fmtShape(s))
	}
	return s.Clone(), nil
}

func (op convDzOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op convDzOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op convDzOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	names := op.names()
	dims := make([]int, len(names))
	for i := range dims {
		dims[i] = 4
	}
	t, err := denseInputs(op, names, dims, in)
	if err != nil {
		return nil, err
	}
	dy := t[len(t)-1]
	s := dy.Shape()
	if op.relu && !t[0].Shape().Eq(s) {
		return nil, fmt.Errorf("model: %v: y %s and dy %s must have the same shape", op, fmtShape(t[0].Shape()), fmtShape(s))
	}
	dz, err := output(op, prealloc, dy.Dtype(), s)
	if err != nil {
		return nil, err
	}
	n, o, p := s[0], s[1], s[2]*s[3]
	if dy.Dtype() == tensor.Float32 {
		var y []float32
		if op.relu {
			y = sliceOf[float32](t[0])
		}
		chunkDz(y, sliceOf[float32](dy), sliceOf[float32](dz), n, o, p, op.chunk)
	} else {
		var y []float64
		if op.relu {
			y = sliceOf[float64](t[0])
		}
		chunkDz(y, sliceOf[float64](dy), sliceOf[float64](dz), n, o, p, op.chunk)
	}
	return dz, nil
}

// chunkDz writes dy (N, O, P), masked by y > 0 when y is not nil, into dz in chunk layout (see
// convDzOp). The cores split the rows of all chunks, each writing its rows front to back.
func chunkDz[T opFloat](y, dy, dz []T, n, o, p, s int) {
	chunks := (n + s - 1) / s
	parallelRange(chunks*o, s*p, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			n0, c := (r/o)*s, r%o
			ns := min(s, n-n0)
			d := dz[n0*o*p+c*ns*p:][:ns*p]
			for j := 0; j < ns; j++ {
				at := ((n0+j)*o + c) * p
				if y == nil {
					copySmall(d[j*p:(j+1)*p], dy[at:at+p])
					continue
				}
				maskRun(y[at:at+p], dy[at:at+p], d[j*p:(j+1)*p])
			}
		}
	})
}

// sumChannelsChunked is sumChannels for dz in chunk layout: db[c] = the sum of row c of every chunk,
// added up as sumChannels does (each sample's P values, then the samples in order), so the result is
// bit for bit the same.
func sumChannelsChunked[T opFloat](dz, db []T, n, o, p, s int) {
	parallelRange(o, n*p, func(lo, hi int) {
		c := lo
		for ; c+8 <= hi; c += 8 { // eight channels side by side, each in the order below (see sumChannels)
			var sums [8]T
			for n0 := 0; n0 < n; n0 += s {
				ns := min(s, n-n0)
				rows := dz[n0*o*p+c*ns*p:][:8*ns*p]
				for j := 0; j < ns; j++ {
					parts := sumRuns8(rows[j*p:], ns*p, p)
					for k, part := range parts {
						sums[k] += part
					}
				}
			}
			copy(db[c:c+8], sums[:])
		}
		for ; c < hi; c++ {
			var sum T
			for n0 := 0; n0 < n; n0 += s {
				ns := min(s, n-n0)
				row := dz[n0*o*p+c*ns*p:][:ns*p]
				for j := 0; j < ns; j++ {
					var part T
					for _, v := range row[j*p : (j+1)*p] {
						part += v
					}
					sum += part
				}
			}
			db[c] = sum
		}
	})
}
