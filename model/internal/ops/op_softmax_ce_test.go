package ops

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// labelGen draws class indices in [0, k) as float values.
func labelGen(k int) func(r *rand.Rand, n int) []float64 {
	return func(r *rand.Rand, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(r.IntN(k))
		}
		return out
	}
}

func scaled(s float64) func(r *rand.Rand, n int) []float64 {
	return func(r *rand.Rand, n int) []float64 {
		out := uniform(r, n)
		for i := range out {
			out[i] *= s
		}
		return out
	}
}

func TestSoftmaxCrossEntropyGrad(t *testing.T) {
	runGCBoth(t, []gcCase{{
		name:   "n4_k5",
		inputs: []gcInput{{name: "logits", shape: []int{4, 5}, gen: scaled(3)}, {name: "labels", shape: []int{4}, gen: labelGen(5), noGrad: true}},
		build:  func(in []*G.Node) (*G.Node, error) { return softmaxCrossEntropy(in[0], in[1]) },
	}, {
		name:   "n1_k2",
		inputs: []gcInput{{name: "logits", shape: []int{1, 2}}, {name: "labels", shape: []int{1}, gen: labelGen(2), noGrad: true}},
		build:  func(in []*G.Node) (*G.Node, error) { return softmaxCrossEntropy(in[0], in[1]) },
	}, {
		name:   "n4_k5_smooth0.1",
		inputs: []gcInput{{name: "logits", shape: []int{4, 5}, gen: scaled(3)}, {name: "labels", shape: []int{4}, gen: labelGen(5), noGrad: true}},
		build:  func(in []*G.Node) (*G.Node, error) { return smoothedCrossEntropy(in[0], in[1], 0.1) },
	}})
}

// TestSmoothedCrossEntropyForward checks the smoothed loss against its definition: the cross-entropy
// of softmax(logits) with the target (1-eps)*onehot + eps/K.
func TestSmoothedCrossEntropyForward(t *testing.T) {
	logits := []float64{1, 2, 3, -1, 0, 4}
	labels := []float64{2, 0}
	for _, eps := range []float64{0, 0.1, 0.5} {
		want := 0.0
		for i, l := range labels {
			row := logits[i*3 : i*3+3]
			lse := math.Log(math.Exp(row[0]) + math.Exp(row[1]) + math.Exp(row[2]))
			for j := range row {
				target := eps / 3
				if j == int(l) {
					target += 1 - eps
				}
				want -= target * (row[j] - lse)
			}
		}
		want /= 2
		for _, dt := range bothDtypes {
			got := runForward(t, dt, []fwdInput{{[]int{2, 3}, logits}, {[]int{2}, labels}},
				func(in []*G.Node) (*G.Node, error) { return smoothedCrossEntropy(in[0], in[1], eps) })
			if math.Abs(got[0]-want) > 1e-5*math.Abs(want) {
				t.Errorf("eps %v %v: got %.9g, want %.9g", eps, dt, got[0], want)
			}
		}
	}
	g := G.NewGraph()
	l := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("l"))
	y := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("y"))
	if _, err := smoothedCrossEntropy(l, y, 1); err == nil || !strings.Contains(err.Error(), "label smoothing must be in [0, 1)") {
		t.Errorf("eps 1: got %v", err)
	}
}

func TestSoftmaxCrossEntropyForward(t *testing.T) {
	logits := []float64{1, 2, 3, -1, 0, 1000, 1000, -1000, 0} // rows of 3; the last row needs log-sum-exp
	labels := []float64{2, 0, 1}
	want := 0.0
	for i, l := range labels {
		row := logits[i*3 : i*3+3]
		m := math.Max(row[0], math.Max(row[1], row[2]))
		lse := m + math.Log(math.Exp(row[0]-m)+math.Exp(row[1]-m)+math.Exp(row[2]-m))
		want += lse - row[int(l)]
	}
	want /= 3
	for _, dt := range bothDtypes {
		got := runForward(t, dt, []fwdInput{{[]int{3, 3}, logits}, {[]int{3}, labels}},
			func(in []*G.Node) (*G.Node, error) { return softmaxCrossEntropy(in[0], in[1]) })
		if math.IsInf(got[0], 0) || math.IsNaN(got[0]) || math.Abs(got[0]-want) > 1e-5*math.Abs(want) {
			t.Errorf("%v: got %g, want %g", dt, got[0], want)
		}
	}
}

// TestSoftmaxCrossEntropyUniform: equal logits give ln(K), the untrained-network loss.
func TestSoftmaxCrossEntropyUniform(t *testing.T) {
	got := runForward(t, tensor.Float32, []fwdInput{{[]int{2, 10}, make([]float64, 20)}, {[]int{2}, []float64{3, 7}}},
		func(in []*G.Node) (*G.Node, error) { return softmaxCrossEntropy(in[0], in[1]) })
	if math.Abs(got[0]-math.Log(10)) > 1e-6 {
		t.Errorf("got %g, want ln 10 = %g", got[0], math.Log(10))
	}
}

func TestSoftmaxCrossEntropyBadLabels(t *testing.T) {
	for _, tc := range []struct {
		label float64
		want  string
	}{{3, "labels[1] = 3 is not a class index in [0, 3)"}, {-1, "labels[1] = -1"}, {1.5, "labels[1] = 1.5"}, {math.NaN(), "labels[1] = NaN"}} {
		g := G.NewGraph()
		l := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("l"), G.WithValue(denseFrom(tensor.Float64, []int{2, 3}, make([]float64, 6))))
		y := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("y"), G.WithValue(denseFrom(tensor.Float64, []int{2}, []float64{0, tc.label})))
		if _, err := softmaxCrossEntropy(l, y); err != nil {
			t.Fatal(err)
		}
		m := G.NewTapeMachine(g)
		err := m.RunAll()
		m.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("label %v: got %v, want an error containing %q", tc.label, err, tc.want)
		}
	}
	g := G.NewGraph()
	l := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("l"))
	y := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("y"))
	if _, err := softmaxCrossEntropy(l, y); err == nil || !strings.Contains(err.Error(), "labels must have shape (2)") {
		t.Errorf("label shape: got %v", err)
	}
}
