package ops

import (
	"fmt"
	"hash/fnv"
	"runtime"
	"strings"
	"unsafe"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"inceptionlab/model/internal/par"
)

// This file holds what every custom op shares: type signatures, value access, output allocation,
// per-sample parallelism and reusable scratch buffers.
//
// Conventions of the custom ops (op_*.go):
//   - All are NCHW and accept Float32 or Float64 tensors; every input of one op has the same dtype (the
//     type system enforces it at graph-build time, Do checks again).
//   - Do allocates its output, except for ops whose output slot a Net has enabled (ownedOutputs): such
//     an op allocates its output on the first run and returns the same tensor, overwritten, on every
//     later run, so a training step after the first allocates (and page-faults) no activation or
//     gradient memory. Outputs whose lifetimes in the compiled program do not overlap share one
//     backing array (net_share.go). So a value a graph returns is valid only until the graph runs
//     again, and an intermediate node's value only until its last reader has run.
//     UsePreallocDo writes into a buffer gorgonia already holds for the node when it has the exact dtype
//     and shape, and otherwise returns an error (the TapeMachine then falls back to Do). Kernels overwrite
//     their whole output, so a reused buffer never leaks stale values; scratch buffers (scratchPool) are
//     kept for the life of the process, for the same reason.
//   - ReturnsPtr is false and OverwritesInput is -1, so each op gets its own register in a TapeMachine.
//   - String (and so WriteHash/Hashcode) spells out every parameter: gorgonia merges nodes whose op hash and
//     inputs are equal, so two different ops must never print the same.

// tensorType is the hm type of a dims-dimensional tensor of the type variable a.
func tensorType(dims int) hm.Type {
	if dims == 0 {
		return hm.TypeVariable('a')
	}
	return G.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

// fnType builds the op type: inputs of the given dims, then the output's dims.
func fnType(dims ...int) hm.Type {
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = tensorType(d)
	}
	return hm.NewFnType(ts...)
}

// shapeOf returns the tensor.Shape of a DimSizer given to InferShape.
func shapeOf(op fmt.Stringer, d G.DimSizer, what string) (tensor.Shape, error) {
	s, ok := d.(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("model: %v: %s: expected a tensor.Shape, got %T", op, what, d)
	}
	return s, nil
}

// inputShapes is the common start of InferShape, the shape twin of denseInputs: exactly len(names)
// input shapes, each a tensor.Shape (names name them in errors).
func inputShapes(op fmt.Stringer, in []G.DimSizer, names ...string) ([]tensor.Shape, error) {
	if len(in) != len(names) {
		return nil, fmt.Errorf("model: %v: expected %d input shapes (%s), got %d", op, len(names), strings.Join(names, ", "), len(in))
	}
	shapes := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, err := shapeOf(op, d, names[i])
		if err != nil {
			return nil, err
		}
		shapes[i] = s
	}
	return shapes, nil
}

// fmtShape prints a shape as (a, b, c).
func fmtShape(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// denseOf returns the contiguous dense tensor behind an op input.
func denseOf(op fmt.Stringer, v G.Value, what string) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("model: %v: %s must be a dense tensor, got %T", op, what, v)
	}
	if d.IsMaterializable() {
		m, ok := d.Materialize().(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("model: %v: %s: cannot materialize view", op, what)
		}
		d = m
	}
	if dt := d.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, fmt.Errorf("model: %v: %s has dtype %v; only float32 and float64 are supported", op, what, dt)
	}
	return d, nil
}

// denseInputs converts all inputs with denseOf, checks their count, that they share one dtype, and that each
// has the number of dimensions in dims (-1: any).
func denseInputs(op fmt.Stringer, names []string, dims []int, inputs []G.Value) ([]*tensor.Dense, error) {
	if len(inputs) != len(names) {
		return nil, fmt.Errorf("model: %v: expected %d inputs (%s), got %d", op, len(names), strings.Join(names, ", "), len(inputs))
	}
	out := make([]*tensor.Dense, len(inputs))
	for i, v := range inputs {
		d, err := denseOf(op, v, names[i])
		if err != nil {
			return nil, err
		}
		if dims[i] >= 0 && d.Dims() != dims[i] {
			return nil, fmt.Errorf("model: %v: %s must be %d-D, got shape %s", op, names[i], dims[i], fmtShape(d.Shape()))
		}
		if i > 0 && d.Dtype() != out[0].Dtype() {
			return nil, fmt.Errorf("model: %v: %s has dtype %v but %s has %v", op, names[i], d.Dtype(), names[0], out[0].Dtype())
		}
		out[i] = d
	}
	return out, nil
}

// sliceOf is the backing slice of a contiguous dense tensor of element type T, which must be d's dtype
// (the ops check dtypes before they get here). It does not allocate: Data, through reflect, made two
// allocations per call, about a quarter of a training step's.
func sliceOf[T opFloat](d *tensor.Dense) []T {
	var z T
	want := tensor.Float64
	if unsafe.Sizeof(z) == 4 {
		want = tensor.Float32
	}
	if d.Dtype() != want {
		panic(fmt.Sprintf("model: internal error: %v slice of a %v tensor", want, d.Dtype()))
	}
	raw := d.Raw
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/int(unsafe.Sizeof(z)))
}

// newOutput allocates a zeroed output tensor.
func newOutput(dt tensor.Dtype, shape []int) *tensor.Dense {
	return tensor.New(tensor.Of(dt), tensor.WithShape(append([]int(nil), shape...)...))
}

// reuseOutput returns the preallocated value when it is a plain dense tensor of the right dtype and shape.
func reuseOutput(op fmt.Stringer, prealloc G.Value, dt tensor.Dtype, shape []int) (*tensor.Dense, error) {
	d, ok := prealloc.(*tensor.Dense)
	if !ok || d.IsView() || d.Dtype() != dt || !d.Shape().Eq(tensor.Shape(shape)) {
		return nil, fmt.Errorf("model: %v: preallocated value does not match dtype %v shape %s", op, dt, fmtShape(shape))
	}
	return d, nil
}

// scalarOf reads a scalar op input: a gorgonia scalar or a one-element tensor.
func scalarOf(op fmt.Stringer, v G.Value, what string) (float64, error) {
	switch s := v.(type) {
	case *G.F64:
		return float64(*s), nil
	case *G.F32:
		return float64(*s), nil
	case *tensor.Dense:
		if s.Size() != 1 {
			return 0, fmt.Errorf("model: %v: %s must be a scalar, got shape %s", op, what, fmtShape(s.Shape()))
		}
		switch x := s.Data().(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case []float64:
			return x[0], nil
		case []float32:
			return float64(x[0]), nil
		}
	}
	return 0, fmt.Errorf("model: %v: %s must be a float32 or float64 scalar, got %T", op, what, v)
}

// workersFor is how many goroutines a per-sample kernel uses for n samples.
func workersFor(n int) int {
	w := runtime.GOMAXPROCS(0)
	if n < w {
		w = n
	}
	if w < 1 {
		w = 1
	}
	return w
}

// parallelSamples runs fn(worker, sample) for every sample in [0, n) on workers goroutines. Worker w gets
// the contiguous block of samples [w*n/workers, (w+1)*n/workers): the assignment is static, so
// per-worker reductions are deterministic for a given worker count. Blocks rather than every
// workers-th sample, because the batched convolution kernels write each sample's few values of a row
// side by side with its neighbours': interleaved samples put two cores on one cache line, and the
// line's ping-pong made those stores ~10x slower.
func parallelSamples(n, workers int, fn func(worker, sample int)) {
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	par.Do(workers, func(w int) {
		for i := w * n / workers; i < (w+1)*n/workers; i++ {
			fn(w, i)
		}
	})
}

// copySmall is copy for the short runs of small feature maps (a 1x1 or 2x2 map copies a few values per
// channel), where a loop beats a call into the runtime's memmove.
func copySmall[T opFloat](dst, src []T) {
	if len(src) >= 16 {
		copy(dst, src)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v
	}
}

// clearSmall is clear for short runs (see copySmall).
func clearSmall[T opFloat](s []T) {
	if len(s) >= 16 {
		clear(s)
		return
	}
	for i := range s {
		s[i] = 0
	}
}

// parallelMin is the least work (elements) per goroutine for parallelRange to split a loop.
const parallelMin = 1 << 14

// parallelRange runs fn over [0, n) split into contiguous ranges, one per core, when each range gets at
// least minPer units of work per unit of n (perUnit), else in the calling goroutine. Each range is
// processed by exactly one goroutine, so kernels whose outputs are disjoint per index stay deterministic.
func parallelRange(n, perUnit int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if perUnit < 1 {
		perUnit = 1
	}
	if most := n * perUnit / parallelMin; most < workers {
		workers = most
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	per := (n + workers - 1) / workers
	par.Do((n+per-1)/per, func(i int) { fn(i*per, min((i+1)*per, n)) })
}

// output returns the op's owned output when its slot is enabled, else the reusable preallocated tensor
// when given, else a fresh tensor.
// An owned output wins over gorgonia's preallocated value: that value belongs to another node that
// used the same register earlier, whose buffer may be shared (shareBuffers) with a live node.
func output(op fmt.Stringer, prealloc G.Value, dt tensor.Dtype, shape []int) (*tensor.Dense, error) {
	if o, ok := op.(interface{ outSlot() *outSlot }); ok {
		if s := o.outSlot(); s != nil && s.enabled {
			if s.t == nil || s.t.Dtype() != dt || !s.t.Shape().Eq(tensor.Shape(shape)) {
				s.t = newOutput(dt, shape)
			}
			return s.t, nil
		}
	}
	if prealloc != nil {
		return reuseOutput(op, prealloc, dt, shape)
	}
	return newOutput(dt, shape), nil
}

// outSlot holds the output an op keeps across runs once enabled.
type outSlot struct {
	enabled bool
	t       *tensor.Dense

	// What a forward op keeps for its gradient op; nil until the gradient is built (SymDiff), so
	// inference graphs keep nothing. Max pooling: its window argmaxes (op_pool_max.go). Convolution:
	// its column matrices, when it batches samples (small maps, see convChunkCols; op_conv.go).
	argmax, cols *kept
	// A convolution's input gradient: its filters flipped (convBackwardDataFlipped), rebuilt every run.
	flip any
}

// kept is a buffer a forward op fills for its gradient op, valid for the input it was computed from.
type kept struct {
	buf any // a slice: []int32, []float32 or []float64
	src any // &x[0] of the input the buffer was computed from; nil while it is not valid
}

// keptBuffer returns k's buffer resized to n values, marked not valid until record; nil when k is nil
// (the op keeps nothing).
func keptBuffer[E any](k *kept, n int) []E {
	if k == nil {
		return nil
	}
	b, _ := k.buf.([]E)
	if cap(b) < n {
		b = make([]E, n)
	}
	b = b[:n]
	k.buf, k.src = b, nil
	return b
}

// record marks k's buffer as computed from the input starting at src.
func (k *kept) record(src any) {
	if k != nil {
		k.src = src
	}
}

// keptFor returns k's n values if they were computed from the input starting at src, else nil.
func keptFor[E any](k *kept, src any, n int) []E {
	if k == nil || k.src != src {
		return nil
	}
	if b, ok := k.buf.([]E); ok && len(b) == n {
		return b
	}
	return nil
}

// flipBuffer returns the op's buffer of n values for its flipped filters: the slot's, kept across runs,
// or a new one for an op without a slot.
func flipBuffer[T opFloat](s *outSlot, n int) []T {
	if s == nil {
		return make([]T, n)
	}
	b, _ := s.flip.([]T)
	if cap(b) < n {
		b = make([]T, n)
		s.flip = b
	}
	return b[:n]
}

// owned is embedded in the ops with large outputs. Builders give every node's op its own slot
// (newOwned); ops built as literals (tests) have none and always allocate.
type owned struct{ slot *outSlot }

func newOwned() owned { return owned{slot: new(outSlot)} }

func (o owned) outSlot() *outSlot { return o.slot }

// ownedOutputs enables output reuse for every op in nodes that supports it and returns their slots.
// Only a caller that never keeps a value across runs (Net: it copies what it returns) may do this.
func ownedOutputs(nodes G.Nodes) []*outSlot {
	var slots []*outSlot
	for _, n := range nodes {
		if o, ok := n.Op().(interface{ outSlot() *outSlot }); ok && o.outSlot() != nil {
			s := o.outSlot()
			s.enabled = true
			slots = append(slots, s)
		}
	}
	return slots
}

// hashOp hashes an op's String, which lists all its parameters.
func hashOp(op fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, op.String())
	return h.Sum32()
}

// yDyShape is InferShape for element-wise gradient ops of (y, dy): both shapes must be equal, and the
// gradient has that shape.
func yDyShape(op fmt.Stringer, in []G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "y", "dy")
	if err != nil {
		return nil, err
	}
	y, dy := shapes[0], shapes[1]
	if !y.Eq(dy) {
		return nil, fmt.Errorf("model: %v: y %s and dy %s must have the same shape", op, fmtShape(y), fmtShape(dy))
	}
	return y.Clone(), nil
}
