package ops

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestEngineAdd checks Engine.Add against the standard engine, bit for bit, for every way gorgonia
// calls it (into a reuse tensor, which may be either operand; in place; into a new tensor) and checks
// that what the fast path does not take (incr, views) still gives the standard engine's result.
func TestEngineAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64()) * float32(math.Pow(10, float64(rng.IntN(7)-3)))
		}
		return s
	}
	for _, n := range []int{1, 7, 8, 33, 1 << 12, 1<<16 + 5, 3 << 18} { // up to parallelRange's split
		for _, c := range []struct {
			name string
			opts func(a, b, r *tensor.Dense) []tensor.FuncOpt
			fast bool
			into string // which tensor holds the result: "a", "r" or "new"
		}{
			{"reuse", func(a, b, r *tensor.Dense) []tensor.FuncOpt { return []tensor.FuncOpt{tensor.WithReuse(r)} }, true, "r"},
			{"reuse=a", func(a, b, r *tensor.Dense) []tensor.FuncOpt { return []tensor.FuncOpt{tensor.WithReuse(a)} }, true, "a"},
			{"reuse=b", func(a, b, r *tensor.Dense) []tensor.FuncOpt { return []tensor.FuncOpt{tensor.WithReuse(b)} }, true, "b"},
			{"unsafe", func(a, b, r *tensor.Dense) []tensor.FuncOpt { return []tensor.FuncOpt{tensor.UseUnsafe()} }, true, "a"},
			{"safe", func(a, b, r *tensor.Dense) []tensor.FuncOpt { return nil }, true, "new"},
			{"incr", func(a, b, r *tensor.Dense) []tensor.FuncOpt { return []tensor.FuncOpt{tensor.WithIncr(r)} }, false, "r"},
		} {
			av, bv, rv := fill(n), fill(n), fill(n)
			want := make([]float32, n)
			for i := range want {
				want[i] = av[i] + bv[i]
				if c.name == "incr" {
					want[i] += rv[i]
				}
			}
			a := tensor.New(tensor.WithShape(n), tensor.WithBacking(av))
			b := tensor.New(tensor.WithShape(n), tensor.WithBacking(bv))
			r := tensor.New(tensor.WithShape(n), tensor.WithBacking(rv))
			var fast, all int
			got, err := countingEngine{fast: &fast, all: &all}.Add(a, b, c.opts(a, b, r)...)
			if err != nil {
				t.Fatalf("n=%d %s: %v", n, c.name, err)
			}
			if (fast == 1) != c.fast {
				t.Fatalf("n=%d %s: fast path taken = %v, want %v", n, c.name, fast == 1, c.fast)
			}
			holder := map[string]*tensor.Dense{"a": a, "b": b, "r": r}[c.into]
			if holder != nil && got != tensor.Tensor(holder) {
				t.Fatalf("n=%d %s: result in %p, want the %s tensor", n, c.name, got, c.into)
			}
			if c.into == "new" && (got == tensor.Tensor(a) || got == tensor.Tensor(b)) {
				t.Fatalf("n=%d %s: a safe add overwrote an operand", n, c.name)
			}
			for i, v := range got.(*tensor.Dense).Float32s() {
				if math.Float32bits(v) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d %s: element %d = %v, want %v", n, c.name, i, v, want[i])
				}
			}
		}
	}
}

// TestEngineAddDeclines pins what goes to the standard engine: other types, shapes that differ, views.
func TestEngineAddDeclines(t *testing.T) {
	f64 := tensor.New(tensor.WithShape(4), tensor.WithBacking([]float64{1, 2, 3, 4}))
	a := tensor.New(tensor.WithShape(4), tensor.WithBacking([]float32{1, 2, 3, 4}))
	b := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	m := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6, 7, 8}))
	view, err := m.Slice(nil, tensor.S(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	other := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 1, 1, 1}))
	for _, c := range []struct {
		name string
		a, b tensor.Tensor
	}{{"float64", f64, f64}, {"shapes", a, b}, {"view", view, other}} {
		if _, ok := addFloat32(c.a, c.b, nil); ok {
			t.Errorf("%s: fast path taken", c.name)
		}
	}
	// A declined add is the standard engine's, whatever that gives.
	got, err := Engine{}.Add(view, other)
	if err != nil {
		t.Fatal(err)
	}
	view2, _ := m.Slice(nil, tensor.S(1, 3))
	want, err := G.StandardEngine{}.Add(view2, other)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := tensor.Materialize(got).Data().([]float32), tensor.Materialize(want).Data().([]float32); !slices.Equal(g, w) {
		t.Errorf("view + ones = %v, want the standard engine's %v", g, w)
	}
}

// countingEngine is Engine, counting the adds its fast path takes.
type countingEngine struct {
	Engine
	fast, all *int
}

func (e countingEngine) Add(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	*e.all++
	if r, ok := addFloat32(a, b, opts); ok {
		*e.fast++
		return r, nil
	}
	return e.StandardEngine.Add(a, b, opts...)
}

// TestEngineGradientSum runs a graph where one value feeds three ops, so its gradient is a sum that
// gorgonia builds from Add nodes: with Engine every such add takes the fast path, and the gradients are
// the standard engine's to the bit.
func TestEngineGradientSum(t *testing.T) {
	run := func(e tensor.Engine) []float32 {
		g := G.NewGraph()
		xv := tensor.New(tensor.WithShape(4, 300), tensor.WithBacking(seq(1200)))
		x := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 300), G.WithName("x"), G.WithValue(xv))
		a := G.Must(G.HadamardProd(x, x))
		b := G.Must(G.Mul(x, G.NewConstant(float32(3))))
		c := G.Must(G.Square(x))
		loss := G.Must(G.Sum(G.Must(G.Add(G.Must(G.Add(a, b)), c))))
		if _, err := G.Grad(loss, x); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.WithEngine(e))
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		gv, err := x.Grad()
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), gv.Data().([]float32)...)
	}
	want := run(G.StandardEngine{})
	var fast, all int
	got := run(countingEngine{fast: &fast, all: &all})
	if all == 0 || fast != all {
		t.Errorf("%d of %d adds took the fast path, want all (and some)", fast, all)
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("gradient %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func seq(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i%97)/13 - 3
	}
	return s
}
