package ops

import (
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Engine is the tensor engine for the network's tape machines (G.WithEngine): gorgonia's standard
// engine with a parallel, vectorised Add for contiguous float32 tensors of one shape.
//
// Add is what gorgonia's gradient builder puts where a value feeds several ops: the input of an
// Inception block feeds four branches, so its gradient is the sum of four, one Add node per extra
// branch. The standard engine adds with a scalar loop in the tape machine's goroutine, a few percent
// of a training step at 224x224 with the second core idle. Each element is the same single float32
// addition whichever way the work is split, so the result is bit for bit the standard engine's.
type Engine struct {
	G.StandardEngine
}

// Add computes a + b: into the reuse tensor when given (tensor.WithReuse), into a when the call is
// unsafe (tensor.UseUnsafe), else into a new tensor. Other cases (incr, views, other types, shapes
// that differ) go to the standard engine.
func (e Engine) Add(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	if r, ok := addFloat32(a, b, opts); ok {
		return r, nil
	}
	return e.StandardEngine.Add(a, b, opts...)
}

// addFloat32 is Engine.Add's fast path; ok is false, with nothing done, where it does not apply.
func addFloat32(a, b tensor.Tensor, opts []tensor.FuncOpt) (tensor.Tensor, bool) {
	da, okA := a.(*tensor.Dense)
	db, okB := b.(*tensor.Dense)
	if !okA || !okB || !plainFloat32(da) || !plainFloat32(db) || !da.Shape().Eq(db.Shape()) {
		return nil, false
	}
	var fo tensor.OpOpt
	for _, o := range opts {
		o(&fo)
	}
	if fo.Incr() != nil || fo.Same() || (fo.As() != tensor.Dtype{} && fo.As() != tensor.Float32) {
		return nil, false
	}
	dst := da
	switch r := fo.Reuse(); {
	case r != nil:
		dr, ok := r.(*tensor.Dense)
		if !ok || !plainFloat32(dr) || dr.Shape().TotalSize() != da.Shape().TotalSize() {
			return nil, false
		}
		dst = dr
	case fo.Safe():
		dst = da.Clone().(*tensor.Dense)
	}
	addSlices(dst.Float32s(), da.Float32s(), db.Float32s())
	return dst, true
}

// plainFloat32 reports whether t is a float32 tensor whose data is its own contiguous array in
// row-major order (not a view, not transposed).
func plainFloat32(t *tensor.Dense) bool {
	return t.Dtype() == tensor.Float32 && !t.IsMaterializable() && t.DataOrder().IsRowMajor() && t.DataOrder().IsContiguous()
}

// addSlices sets d = a + b element by element (all of one length; d may be a or b), split across the
// cores in contiguous ranges.
func addSlices(d, a, b []float32) {
	a, b = a[:len(d)], b[:len(d)]
	parallelRange(len(d), 1, func(lo, hi int) {
		dd, aa, bb := d[lo:hi], a[lo:hi], b[lo:hi]
		switch {
		case sameStart(dd, aa):
			addRun(dd, bb)
		case sameStart(dd, bb):
			addRun(dd, aa) // float32 addition commutes: the same bits as aa + bb
		default:
			copy(dd, aa)
			addRun(dd, bb)
		}
	})
}

// sameStart reports whether two non-empty slices start at the same element.
func sameStart(x, y []float32) bool {
	return len(x) > 0 && len(y) > 0 && unsafe.SliceData(x) == unsafe.SliceData(y)
}
