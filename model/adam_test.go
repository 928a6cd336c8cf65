package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// TestAdamMatchesPlainFormula checks the chunked, parallel update against the textbook formula written
// as one plain loop, bit for bit, over several steps and parameters larger than a chunk.
func TestAdamMatchesPlainFormula(t *testing.T) {
	infos := []ParamInfo{{Name: "a/w", Shape: []int{70_001}}, {Name: "a/b", Shape: []int{3}}, {Name: "b/w", Shape: []int{40, 50}}}
	rng := rand.New(rand.NewPCG(1, 2))
	var params []*tensor.Dense
	var want [][]float32
	for _, pi := range infos {
		d := make([]float32, pi.Size())
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		want = append(want, append([]float32(nil), d...))
		params = append(params, tensor.New(tensor.WithShape(pi.Shape...), tensor.WithBacking(d)))
	}
	a := NewAdam(infos)
	m, v := make([][]float32, len(infos)), make([][]float32, len(infos))
	for i, pi := range infos {
		m[i], v[i] = make([]float32, pi.Size()), make([]float32, pi.Size())
	}
	for step := 1; step <= 3; step++ {
		grads := make([][]float32, len(infos))
		for i, pi := range infos {
			grads[i] = make([]float32, pi.Size())
			for j := range grads[i] {
				grads[i][j] = float32(rng.NormFloat64())
			}
		}
		a.Update(1e-3, params, grads)
		lrT := float32(1e-3 * math.Sqrt(1-math.Pow(0.999, float64(step))) / (1 - math.Pow(0.9, float64(step))))
		b1, b2, eps := float32(0.9), float32(0.999), float32(1e-7)
		for i := range want {
			for j, g := range grads[i] {
				m[i][j] = b1*m[i][j] + (1-b1)*g
				v[i][j] = b2*v[i][j] + (1-b2)*g*g
				want[i][j] -= lrT * m[i][j] / (float32(math.Sqrt(float64(v[i][j]))) + eps)
			}
		}
		for i, p := range params {
			got := p.Data().([]float32)
			for j := range got {
				if got[j] != want[i][j] {
					t.Fatalf("step %d, %s[%d]: got %v, want %v", step, infos[i].Name, j, got[j], want[i][j])
				}
			}
		}
	}
	if a.T != 3 {
		t.Errorf("step count %d, want 3", a.T)
	}
}
