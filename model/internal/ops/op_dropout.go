package ops

import (
	"fmt"
	"hash"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dropout applies inverted dropout to x for training graphs: every run of the forward pass draws a fresh
// keep-mask from rng (element i is kept when rng.Float64() >= rate, in row-major order, so the mask is
// deterministic given the rng state) and computes y = x*mask/(1-rate); the gradient is
// dx = dy*mask/(1-rate) with the mask of the same run. rate 0 returns x itself. The op owns rng while the
// graph runs: rng must not be shared with code running concurrently with the machine.
func dropout(x *G.Node, rate float64, rng *rand.Rand) (*G.Node, error) {
	if rate < 0 || rate >= 1 {
		return nil, fmt.Errorf("model: dropout: rate must be in [0, 1), got %g", rate)
	}
	if rate == 0 {
		return x, nil
	}
	if rng == nil {
		return nil, fmt.Errorf("model: dropout: rate %g needs a non-nil *rand.Rand", rate)
	}
	op := &dropoutOp{id: dropoutIDs.Add(1), rate: rate, dims: x.Dims(), rng: rng, owned: newOwned()}
	y, err := G.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return y, nil
}

// dropoutIDs numbers dropout ops: two dropouts of the same input and rate are different random ops, so
// their hashes must differ or gorgonia would merge them into one node.
var dropoutIDs atomic.Uint64

// dropoutOp: inputs (x) -> y; keeps the mask of its last run for the gradient op.
type dropoutOp struct {
	id   uint64
	rate float64
	dims int
	rng  *rand.Rand

	mu   sync.Mutex
	mask []bool
	owned
}

func (op *dropoutOp) String() string {
	return fmt.Sprintf("model.dropout{id=%d rate=%g}", op.id, op.rate)
}
func (op *dropoutOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *dropoutOp) Hashcode() uint32      { return hashOp(op) }
func (op *dropoutOp) Arity() int            { return 1 }
func (op *dropoutOp) Type() hm.Type         { return fnType(op.dims, op.dims) }
func (op *dropoutOp) ReturnsPtr() bool      { return false }
func (op *dropoutOp) CallsExtern() bool     { return false }
func (op *dropoutOp) OverwritesInput() int  { return -1 }
func (op *dropoutOp) DiffWRT(int) []bool    { return []bool{true} }
func (op *dropoutOp) scale() float64        { return 1 / (1 - op.rate) }

func (op *dropoutOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "x")
	if err != nil {
		return nil, err
	}
	x := shapes[0]
	return x.Clone(), nil
}

func (op *dropoutOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op *dropoutOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op *dropoutOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"x"}, []int{op.dims}, in)
	if err != nil {
		return nil, err
	}
	y, err := output(op, prealloc, t[0].Dtype(), t[0].Shape())
	if err != nil {
		return nil, err
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	n := t[0].Shape().TotalSize()
	if cap(op.mask) < n {
		op.mask = make([]bool, n)
	}
	op.mask = op.mask[:n]
	for i := range op.mask {
		op.mask[i] = op.rng.Float64() >= op.rate
	}
	if t[0].Dtype() == tensor.Float32 {
		applyMask(op.mask, op.scale(), sliceOf[float32](t[0]), sliceOf[float32](y))
	} else {
		applyMask(op.mask, op.scale(), sliceOf[float64](t[0]), sliceOf[float64](y))
	}
	return y, nil
}

func (op *dropoutOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("model: %v: SymDiff expects 1 input, got %d", op, len(inputs))
	}
	// The forward output is an input of the gradient op only to order it after the forward pass (whose
	// mask it reads): dy alone may not depend on it (e.g. when dropout feeds a linear layer).
	dx, err := G.ApplyOp(dropoutGradOp{fwd: op, owned: newOwned()}, output, grad)
	if err != nil {
		return nil, fmt.Errorf("model: %v: gradient: %w", op, err)
	}
	return G.Nodes{dx}, nil
}

// dropoutGradOp: inputs (y, dy) -> dx = dy*mask*scale with the forward op's last mask.
type dropoutGradOp struct {
	fwd *dropoutOp // parameters and mask only: its owned output belongs to the forward node
	owned
}

func (op dropoutGradOp) String() string {
	return fmt.Sprintf("model.dropoutGrad{id=%d rate=%g}", op.fwd.id, op.fwd.rate)
}
func (op dropoutGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op dropoutGradOp) Hashcode() uint32      { return hashOp(op) }
func (op dropoutGradOp) Arity() int            { return 2 }
func (op dropoutGradOp) Type() hm.Type         { return fnType(op.fwd.dims, op.fwd.dims, op.fwd.dims) }
func (op dropoutGradOp) ReturnsPtr() bool      { return false }
func (op dropoutGradOp) CallsExtern() bool     { return false }
func (op dropoutGradOp) OverwritesInput() int  { return -1 }

func (op dropoutGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return yDyShape(op, in)
}

func (op dropoutGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op dropoutGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op dropoutGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	d := op.fwd.dims
	t, err := denseInputs(op, []string{"y", "dy"}, []int{d, d}, in)
	if err != nil {
		return nil, err
	}
	dx, err := output(op, prealloc, t[1].Dtype(), t[1].Shape())
	if err != nil {
		return nil, err
	}
	op.fwd.mu.Lock()
	defer op.fwd.mu.Unlock()
	if n := t[1].Shape().TotalSize(); len(op.fwd.mask) != n {
		return nil, fmt.Errorf("model: %v: no forward mask for %d elements (has the forward pass run?)", op, n)
	}
	if t[1].Dtype() == tensor.Float32 {
		applyMask(op.fwd.mask, op.fwd.scale(), sliceOf[float32](t[1]), sliceOf[float32](dx))
	} else {
		applyMask(op.fwd.mask, op.fwd.scale(), sliceOf[float64](t[1]), sliceOf[float64](dx))
	}
	return dx, nil
}
