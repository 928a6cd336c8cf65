package ops

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestDropoutGrad(t *testing.T) {
	src := rand.NewPCG(1, 2)
	rng := rand.New(src)
	runGCBoth(t, []gcCase{{
		name:   "rate0.4_4d",
		inputs: []gcInput{{name: "x", shape: []int{2, 3, 4, 4}}},
		build:  func(in []*G.Node) (*G.Node, error) { return dropout(in[0], 0.4, rng) },
		// replay the same mask on every run, so finite differences see the mask of the analytic pass
		before: func() { src.Seed(1, 2) },
	}, {
		name:   "rate0.5_2d",
		inputs: []gcInput{{name: "x", shape: []int{3, 7}}},
		build:  func(in []*G.Node) (*G.Node, error) { return dropout(in[0], 0.5, rng) },
		before: func() { src.Seed(1, 2) },
	}})
}

// dropoutRun runs y = dropout(x) and dx for loss = <y, r> once and returns x, y, dy (= r) and dx.
func dropoutRun(t *testing.T, dt tensor.Dtype, rate float64, rng *rand.Rand, runs int) (x, y, dy, dx []float64) {
	t.Helper()
	const n = 4000
	g := G.NewGraph()
	x = randData(11, n)
	for i := range x {
		x[i] += 2 // nonzero, so a zero in y means dropped
	}
	dy = randData(12, n)
	xn := G.NewVector(g, dt, G.WithShape(n), G.WithName("x"), G.WithValue(denseFrom(dt, []int{n}, x)))
	rn := G.NewVector(g, dt, G.WithShape(n), G.WithName("r"), G.WithValue(denseFrom(dt, []int{n}, dy)))
	yn, err := dropout(xn, rate, rng)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Mul(yn, rn))
	grads, err := G.Grad(loss, xn)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	for i := 0; i < runs; i++ {
		m.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
	}
	return x, float64s(t, yn.Value()), float64s(t, rn.Value()), float64s(t, grads[0].Value())
}

func TestDropoutForwardBackward(t *testing.T) {
	for _, dt := range bothDtypes {
		t.Run(dt.String(), func(t *testing.T) {
			const rate = 0.4
			x, y, dy, dx := dropoutRun(t, dt, rate, rand.New(rand.NewPCG(5, 6)), 1)
			scale := 1 / (1 - rate)
			kept := 0
			for i := range x {
				switch {
				case y[i] == 0:
					if dx[i] != 0 {
						t.Fatalf("element %d dropped in forward but dx = %g", i, dx[i])
					}
				default:
					kept++
					if math.Abs(y[i]-x[i]*scale) > 1e-6*math.Abs(y[i]) {
						t.Fatalf("element %d kept: y = %g, want x/(1-p) = %g", i, y[i], x[i]*scale)
					}
					if math.Abs(dx[i]-dy[i]*scale) > 1e-6 {
						t.Fatalf("element %d kept: dx = %g, want dy/(1-p) = %g", i, dx[i], dy[i]*scale)
					}
				}
			}
			// 4000 Bernoulli(0.6) draws: mean 2400, sd 31; allow 5 sd
			if kept < 2400-155 || kept > 2400+155 {
				t.Errorf("kept %d of %d, want about %d", kept, len(x), 2400)
			}
		})
	}
}

func TestDropoutDeterministicAndFreshPerRun(t *testing.T) {
	_, y1, _, _ := dropoutRun(t, tensor.Float64, 0.5, rand.New(rand.NewPCG(7, 8)), 1)
	_, y1again, _, _ := dropoutRun(t, tensor.Float64, 0.5, rand.New(rand.NewPCG(7, 8)), 1)
	_, y2, _, _ := dropoutRun(t, tensor.Float64, 0.5, rand.New(rand.NewPCG(7, 8)), 2)
	assertClose(t, y1again, y1, 0)
	same := true
	for i := range y1 {
		if (y1[i] == 0) != (y2[i] == 0) {
			same = false
			break
		}
	}
	if same {
		t.Error("the second run reused the first run's mask; want a fresh draw per run")
	}
}

func TestDropoutRateZeroIsIdentity(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 3), G.WithName("x"))
	y, err := dropout(x, 0, nil)
	if err != nil || y != x {
		t.Fatalf("dropout(x, 0) = %v, %v; want x itself", y, err)
	}
}

func TestDropoutErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 3), G.WithName("x"))
	for _, tc := range []struct {
		rate float64
		rng  *rand.Rand
		want string
	}{{1, rand.New(rand.NewPCG(1, 1)), "rate must be in [0, 1)"}, {-0.1, nil, "rate must be in [0, 1)"}, {0.5, nil, "non-nil *rand.Rand"}} {
		if _, err := dropout(x, tc.rate, tc.rng); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("dropout(rate %g): got %v, want %q", tc.rate, err, tc.want)
		}
	}
}

// TestDropoutNotMerged: two dropouts of the same input must be two nodes with independent masks.
func TestDropoutNotMerged(t *testing.T) {
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(100), G.WithName("x"), G.WithValue(denseFrom(tensor.Float64, []int{100}, randData(3, 100))))
	rng := rand.New(rand.NewPCG(3, 4))
	a, err := dropout(x, 0.5, rng)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dropout(x, 0.5, rng)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two dropouts of one input were merged into one node")
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	va, vb := float64s(t, a.Value()), float64s(t, b.Value())
	differ := false
	for i := range va {
		if (va[i] == 0) != (vb[i] == 0) {
			differ = true
		}
	}
	if !differ {
		t.Error("two dropouts drew the same mask")
	}
}
