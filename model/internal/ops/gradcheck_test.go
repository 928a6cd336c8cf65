package ops

import (
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file is the finite-difference gradient-check harness shared by the op tests.
//
// A case builds out = op(inputs...) on a fresh graph; the harness forms loss = <flatten(out), R> with a
// fixed random R (so the upstream gradient is not all ones), takes gorgonia's symbolic gradient, runs it on
// a TapeMachine and compares every checked input element's analytic gradient a with the central difference
// n = (loss(x+eps) - loss(x-eps)) / 2eps using |a-n| / max(1, |a|, |n|).
//
// Piecewise-linear ops (ReLU, max-pool) have kinks; when a perturbation crosses one, the central difference
// is wrong while one of the one-sided differences is still exact. An element whose central difference
// misses is therefore accepted when a one-sided difference matches, and at most maxKinkFraction of the
// checked elements may be accepted that way. A wrong gradient misses all three differences.

// gcInput is one input of a gradient-check case.
type gcInput struct {
	name   string
	shape  []int
	gen    func(r *rand.Rand, n int) []float64 // nil: uniform in [-1, 1)
	noGrad bool                                // e.g. labels: not differentiated, not checked
}

// gcCase is one gradient-check case.
type gcCase struct {
	name   string
	inputs []gcInput
	build  func(in []*G.Node) (*G.Node, error)
	before func() // run before every graph execution (e.g. reseed a dropout rng)
}

// gcTol is the step and tolerance for one dtype.
type gcTol struct {
	eps, tol float64
}

// float32 uses eps 1e-3: with 1e-2 too many ReLU kinks fall inside the step; measured worst errors are
// about 2e-3 (run with -v to see them per case).
var (
	tol64 = gcTol{eps: 1e-6, tol: 1e-6}
	tol32 = gcTol{eps: 1e-3, tol: 1e-2}
)

const (
	maxKinkFraction = 0.05
	maxCheckedElems = 400 // per input; larger inputs are checked on a fixed random sample
)

func tolFor(dt tensor.Dtype) gcTol {
	if dt == tensor.Float32 {
		return tol32
	}
	return tol64
}

func uniform(r *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 2*r.Float64() - 1
	}
	return out
}

// distinct returns a random permutation of n values spaced 1/n apart in [-1, 1): no ties, and any two
// values differ by far more than the float32 finite-difference step (for n <= 100).
func distinct(r *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i, p := range r.Perm(n) {
		out[i] = -1 + 2*float64(p)/float64(n)
	}
	return out
}

func sizeOf(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// denseFrom builds a dense tensor of dtype dt from float64 data.
func denseFrom(dt tensor.Dtype, shape []int, data []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		f := make([]float32, len(data))
		for i, v := range data {
			f[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), data...)))
}

// float64s copies a value's elements to float64.
func float64s(t testing.TB, v G.Value) []float64 {
	t.Helper()
	switch x := v.(type) {
	case *G.F64:
		return []float64{float64(*x)}
	case *G.F32:
		return []float64{float64(*x)}
	case *tensor.Dense:
		switch d := x.Data().(type) {
		case []float64:
			return append([]float64(nil), d...)
		case float64:
			return []float64{d}
		case float32:
			return []float64{float64(d)}
		case []float32:
			out := make([]float64, len(d))
			for i, f := range d {
				out[i] = float64(f)
			}
			return out
		}
	}
	t.Fatalf("unsupported value %T", v)
	return nil
}

// setElem writes v into element i of a float tensor.
func setElem(d *tensor.Dense, i int, v float64) {
	switch s := d.Data().(type) {
	case []float64:
		s[i] = v
	case []float32:
		s[i] = float32(v)
	}
}

func getElem(d *tensor.Dense, i int) float64 {
	switch s := d.Data().(type) {
	case []float64:
		return s[i]
	case []float32:
		return float64(s[i])
	}
	panic("not a float tensor")
}

// gcGraph is a built gradient-check graph.
type gcGraph struct {
	g      *G.ExprGraph
	nodes  []*G.Node
	values []*tensor.Dense
	out    *G.Node
	loss   *G.Node
}

// buildGC builds the case's graph in dtype dt with input data seeded by seed.
func buildGC(t testing.TB, c gcCase, dt tensor.Dtype, seed uint64) *gcGraph {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	gg := &gcGraph{g: G.NewGraph()}
	for _, in := range c.inputs {
		gen := in.gen
		if gen == nil {
			gen = uniform
		}
		v := denseFrom(dt, in.shape, gen(r, sizeOf(in.shape)))
		n := G.NewTensor(gg.g, dt, len(in.shape), G.WithShape(in.shape...), G.WithName(in.name), G.WithValue(v))
		gg.nodes = append(gg.nodes, n)
		gg.values = append(gg.values, v)
	}
	out, err := c.build(gg.nodes)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	gg.out = out
	if out.IsScalar() {
		rs := G.NewScalar(gg.g, dt, G.WithName("R"), G.WithValue(scalarValue(dt, 2*r.Float64()-1)))
		gg.loss = G.Must(G.Mul(out, rs))
	} else {
		n := out.Shape().TotalSize()
		flat := G.Must(G.Reshape(out, tensor.Shape{n}))
		rv := G.NewVector(gg.g, dt, G.WithShape(n), G.WithName("R"), G.WithValue(denseFrom(dt, []int{n}, uniform(r, n))))
		gg.loss = G.Must(G.Mul(flat, rv))
	}
	return gg
}

func scalarValue(dt tensor.Dtype, v float64) G.Value {
	if dt == tensor.Float32 {
		return G.NewF32(float32(v))
	}
	return G.NewF64(v)
}

// gcReport is the outcome of one gradient check.
type gcReport struct {
	checked, kinks int
	worst          float64  // largest accepted central-difference relative error
	mismatches     []string // elements whose analytic gradient matches no difference
}

// runGC runs the gradient check of one case in one dtype and fails t on any mismatch.
func runGC(t *testing.T, c gcCase, dt tensor.Dtype) {
	t.Helper()
	r := gradCheck(t, c, dt)
	for _, m := range r.mismatches {
		t.Error(m)
	}
	if float64(r.kinks) > maxKinkFraction*float64(r.checked) {
		t.Errorf("%d of %d elements matched only a one-sided difference (limit %.0f%%)", r.kinks, r.checked, 100*maxKinkFraction)
	}
	t.Logf("%v: checked %d elements, worst central rel err %.3g, kink fallbacks %d", dt, r.checked, r.worst, r.kinks)
}

// gradCheck compares analytic and finite-difference gradients of every differentiable input.
func gradCheck(t testing.TB, c gcCase, dt tensor.Dtype) gcReport {
	t.Helper()
	tl := tolFor(dt)
	gg := buildGC(t, c, dt, 1)
	var wrt []*G.Node
	var idx []int
	for i, in := range c.inputs {
		if !in.noGrad {
			wrt = append(wrt, gg.nodes[i])
			idx = append(idx, i)
		}
	}
	grads, err := G.Grad(gg.loss, wrt...)
	if err != nil {
		t.Fatalf("Grad: %v", err)
	}
	m := G.NewTapeMachine(gg.g)
	defer m.Close()
	run := func(mm G.VM) {
		t.Helper()
		if c.before != nil {
			c.before()
		}
		mm.Reset()
		if err := mm.RunAll(); err != nil {
			t.Fatalf("RunAll: %v", err)
		}
	}
	run(m)
	analytic := make([][]float64, len(grads))
	for i, gn := range grads {
		analytic[i] = float64s(t, gn.Value())
		if want := gg.values[idx[i]].Shape().TotalSize(); len(analytic[i]) != want {
			t.Fatalf("gradient of %s has %d elements, want %d", c.inputs[idx[i]].name, len(analytic[i]), want)
		}
	}
	fwd := G.NewTapeMachine(gg.g.SubgraphRoots(gg.loss))
	defer fwd.Close()
	loss := func() float64 {
		run(fwd)
		return float64s(t, gg.loss.Value())[0]
	}
	l0 := loss()
	sampler := rand.New(rand.NewPCG(99, 1))
	var rep gcReport
	for gi, i := range idx {
		v := gg.values[i]
		n := v.Shape().TotalSize()
		elems := make([]int, n)
		for j := range elems {
			elems[j] = j
		}
		if n > maxCheckedElems {
			sampler.Shuffle(n, func(a, b int) { elems[a], elems[b] = elems[b], elems[a] })
			elems = elems[:maxCheckedElems]
		}
		for _, j := range elems {
			orig := getElem(v, j)
			setElem(v, j, orig+tl.eps)
			lp := loss()
			setElem(v, j, orig-tl.eps)
			lm := loss()
			setElem(v, j, orig)
			a := analytic[gi][j]
			central := relErr(a, (lp-lm)/(2*tl.eps))
			rep.checked++
			if central <= tl.tol {
				rep.worst = math.Max(rep.worst, central)
				continue
			}
			if relErr(a, (lp-l0)/tl.eps) <= tl.tol || relErr(a, (l0-lm)/tl.eps) <= tl.tol {
				rep.kinks++
				continue
			}
			rep.mismatches = append(rep.mismatches, fmt.Sprintf("%s[%d]: analytic %.8g, central difference %.8g (rel err %.3g > %g)",
				c.inputs[i].name, j, a, (lp-lm)/(2*tl.eps), central, tl.tol))
		}
	}
	return rep
}

func relErr(a, n float64) float64 {
	return math.Abs(a-n) / math.Max(1, math.Max(math.Abs(a), math.Abs(n)))
}

// runGCBoth runs a table of cases in float64 and float32 as named subtests.
func runGCBoth(t *testing.T, cases []gcCase) {
	t.Helper()
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%s/%v", c.name, dt), func(t *testing.T) { runGC(t, c, dt) })
		}
	}
}

// squareOp is y = x*x elementwise with a deliberately wrong gradient (dy*x instead of 2*dy*x) when wrong
// is set: it proves the harness fails on a bad gradient and passes on the right one.
type squareOp struct{ wrong bool }

func (op squareOp) String() string        { return fmt.Sprintf("test.square{wrong=%t}", op.wrong) }
func (op squareOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op squareOp) Hashcode() uint32      { return hashOp(op) }
func (op squareOp) Arity() int            { return 1 }
func (op squareOp) Type() hm.Type         { return fnType(2, 2) }
func (op squareOp) ReturnsPtr() bool      { return false }
func (op squareOp) CallsExtern() bool     { return false }
func (op squareOp) OverwritesInput() int  { return -1 }
func (op squareOp) DiffWRT(int) []bool    { return []bool{true} }
func (op squareOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}

func (op squareOp) Do(in ...G.Value) (G.Value, error) {
	x := in[0].(*tensor.Dense)
	return x.Mul(x)
}

func (op squareOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.HadamardProd(grad, inputs[0])
	if err != nil || op.wrong {
		return G.Nodes{d}, err
	}
	d, err = G.Mul(d, G.NewConstant(2.0))
	return G.Nodes{d}, err
}

func TestGradCheckHarnessDetectsWrongGradient(t *testing.T) {
	for _, wrong := range []bool{false, true} {
		c := gcCase{
			name:   "square",
			inputs: []gcInput{{name: "x", shape: []int{3, 4}}},
			build:  func(in []*G.Node) (*G.Node, error) { return G.ApplyOp(squareOp{wrong: wrong}, in[0]) },
		}
		r := gradCheck(t, c, tensor.Float64)
		switch {
		case wrong && len(r.mismatches) == 0:
			t.Error("a gradient off by a factor 2 passed the check")
		case !wrong && len(r.mismatches) > 0:
			t.Errorf("the correct gradient failed: %v", r.mismatches)
		}
		if r.checked != 12 {
			t.Errorf("checked %d elements, want 12", r.checked)
		}
	}
}
