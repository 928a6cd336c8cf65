package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// miniNet is a small network using every custom op, with gradients of all its parameters.
type miniNet struct {
	g      *G.ExprGraph
	x      *tensor.Dense
	labels *tensor.Dense
	src    *rand.PCG
	outs   []*G.Node // loss, then one gradient per parameter
}

func buildMiniNet(t *testing.T, dt tensor.Dtype) *miniNet {
	t.Helper()
	r := rand.New(rand.NewPCG(42, 0))
	mn := &miniNet{g: G.NewGraph(), src: rand.NewPCG(1, 1)}
	param := func(name string, shape ...int) *G.Node {
		v := denseFrom(dt, shape, uniform(r, sizeOf(shape)))
		return G.NewTensor(mn.g, dt, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(v))
	}
	mn.x = denseFrom(dt, []int{2, 3, 12, 12}, uniform(r, 2*3*12*12))
	x := G.NewTensor(mn.g, dt, 4, G.WithShape(2, 3, 12, 12), G.WithName("x"), G.WithValue(mn.x))
	mn.labels = denseFrom(dt, []int{2}, []float64{1, 3})
	labels := G.NewVector(mn.g, dt, G.WithShape(2), G.WithName("labels"), G.WithValue(mn.labels))
	params := []*G.Node{
		param("c1/w", 4, 3, 7, 7), param("c1/b", 4), param("b1/w", 3, 4, 1, 1), param("b1/b", 3),
		param("b2/w", 2, 4, 3, 3), param("b2/b", 2), param("fc/w", 5, 72), param("fc/b", 5),
	}
	must := func(n *G.Node, err error) *G.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	budget := newColBudget()                                                             // as in Net's training graphs: batched convs keep their columns
	h := must(conv2d(x, params[0], params[1], 2, [4]int{2, 3, 2, 3}, true, budget, nil)) // 6x6
	h = must(maxPool2d(h, 3, 2, [4]int{0, 1, 0, 1}))                                     // 3x3
	b1 := must(conv2d(h, params[2], params[3], 1, [4]int{}, true, budget, nil))
	b2 := must(conv2d(h, params[4], params[5], 1, [4]int{1, 1, 1, 1}, false, budget, nil))
	b3 := must(maxPool2d(h, 3, 1, [4]int{1, 1, 1, 1}))
	h = must(concatChannels(b1, b2, b3))    // (2, 9, 3, 3)
	aux := must(adaptiveAvgPool2d(h, 4, 4)) // (2, 9, 4, 4)
	aux = must(avgPool2d(aux, 2, 2))        // (2, 9, 2, 2)
	h = must(adaptiveAvgPool2d(h, 2, 2))    // (2, 9, 2, 2)
	h = must(concatChannels(h, aux))        // (2, 18, 2, 2)
	h = must(dropout(h, 0.3, rand.New(mn.src)))
	logits := must(dense(h, params[6], params[7], false)) // flattens (18, 2, 2)
	loss := must(softmaxCrossEntropy(logits, labels))
	grads, err := G.Grad(loss, params...)
	if err != nil {
		t.Fatal(err)
	}
	mn.outs = append(G.Nodes{loss}, grads...)
	return mn
}

// run executes the machine once (reseeding dropout) and copies every output.
func (mn *miniNet) run(t *testing.T, m G.VM) [][]float64 {
	t.Helper()
	mn.src.Seed(1, 1)
	m.Reset()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(mn.outs))
	for i, n := range mn.outs {
		out[i] = float64s(t, n.Value())
	}
	return out
}

// TestTapeMachineRerunsAreClean runs one machine on input A, then B, then A again: B must match a fresh
// machine's result on B and the two A runs must be identical, so no scratch or preallocated buffer
// carries state from one run into the next.
func TestTapeMachineRerunsAreClean(t *testing.T) {
	for _, dt := range bothDtypes {
		t.Run(dt.String(), func(t *testing.T) {
			mn := buildMiniNet(t, dt)
			m := G.NewTapeMachine(mn.g)
			defer m.Close()
			a1 := mn.run(t, m)
			a := float64s(t, mn.x)
			b := randData(77, len(a))
			for i, v := range b {
				setElem(mn.x, i, v)
			}
			setElem(mn.labels, 0, 4)
			b1 := mn.run(t, m)
			fresh := G.NewTapeMachine(mn.g)
			bFresh := mn.run(t, fresh)
			fresh.Close()
			for i, v := range a {
				setElem(mn.x, i, v)
			}
			setElem(mn.labels, 0, 1)
			a2 := mn.run(t, m)
			for i := range a1 {
				assertClose(t, a2[i], a1[i], 0)
				assertClose(t, b1[i], bFresh[i], 0)
			}
			if a1[0][0] == b1[0][0] {
				t.Error("changing the input did not change the loss")
			}
		})
	}
}

// TestUsePreallocDoOverwritesStaleValues runs every custom op of the mini network again through
// UsePreallocDo with a NaN-filled buffer and checks the result equals Do's: kernels must write their whole
// output. A buffer of the wrong shape must be refused (the TapeMachine then falls back to Do).
func TestUsePreallocDoOverwritesStaleValues(t *testing.T) {
	for _, dt := range bothDtypes {
		t.Run(dt.String(), func(t *testing.T) {
			mn := buildMiniNet(t, dt)
			m := G.NewTapeMachine(mn.g)
			defer m.Close()
			mn.run(t, m)
			checked := 0
			for _, n := range mn.g.AllNodes() {
				op, ok := n.Op().(G.UsePreallocDoer)
				if !ok || !strings.HasPrefix(fmt.Sprintf("%T", n.Op()), "ops.") {
					continue
				}
				if _, isDropout := n.Op().(*dropoutOp); isDropout {
					continue // a second forward run would draw a new mask
				}
				var in []G.Value
				for it := mn.g.From(n.ID()); it.Next(); { // children in input order
					in = append(in, it.Node().(*G.Node).Value())
				}
				want, err := n.Op().Do(in...)
				if err != nil {
					t.Fatalf("%v: Do: %v", n.Op(), err)
				}
				stale := tensor.New(tensor.Of(dt), tensor.WithShape(n.Shape().Clone()...))
				for i := 0; i < stale.Size(); i++ {
					setElem(stale, i, math.NaN())
				}
				got, err := op.UsePreallocDo(stale, in...)
				if err != nil {
					t.Fatalf("%v: UsePreallocDo: %v", n.Op(), err)
				}
				if got != G.Value(stale) {
					t.Errorf("%v: UsePreallocDo did not write into the given buffer", n.Op())
				}
				assertClose(t, float64s(t, got), float64s(t, want), 0)
				wrong := tensor.New(tensor.Of(dt), tensor.WithShape(n.Shape().TotalSize()+1))
				if _, err := op.UsePreallocDo(wrong, in...); err == nil {
					t.Errorf("%v: accepted a preallocated buffer of the wrong shape", n.Op())
				}
				checked++
			}
			if checked < 20 {
				t.Errorf("checked only %d ops", checked)
			}
		})
	}
}
