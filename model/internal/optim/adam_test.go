package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"inceptionlab/model/arch"
)

// TestAdamMatchesPlainFormula checks the chunked, parallel update against the textbook formula written
// as one plain loop, bit for bit, over several steps and parameters larger than a chunk.
func TestAdamMatchesPlainFormula(t *testing.T) {
	infos := []arch.ParamInfo{{Name: "a/w", Shape: []int{70_001}}, {Name: "a/b", Shape: []int{3}}, {Name: "b/w", Shape: []int{40, 50}}}
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
				// The conversions round every product, so that the compiler does not fuse them (GOAMD64=v3).
				m[i][j] = float32(b1*m[i][j]) + float32((1-b1)*g)
				v[i][j] = float32(b2*v[i][j]) + float32(float32((1-b2)*g)*g)
				want[i][j] -= float32(lrT*m[i][j]) / (float32(math.Sqrt(float64(v[i][j]))) + eps)
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

// TestAdamKernelMatchesChunk checks the vector kernel (through adamStep) against adamChunk bit for bit, over
// several steps so that the moments evolve, for lengths around the vector width and gradients that leave v
// at zero, make its squares subnormal or overflow it to infinity; each run starts one element into its
// arrays so that the loads are unaligned.
func TestAdamKernelMatchesChunk(t *testing.T) {
	if !hasAdamKernel {
		t.Skip("no vector Adam kernel on this CPU")
	}
	grads := []struct {
		name string
		gen  func(rng *rand.Rand) float32
	}{
		{"normal", func(rng *rand.Rand) float32 { return float32(rng.NormFloat64()) }},
		{"zero", func(rng *rand.Rand) float32 { return 0 }},
		{"tiny", func(rng *rand.Rand) float32 { return float32(rng.NormFloat64() * 1e-20) }},
		{"huge", func(rng *rand.Rand) float32 { return float32(rng.NormFloat64() * 1e21) }},
		{"mixed", func(rng *rand.Rand) float32 {
			switch rng.IntN(5) {
			case 0:
				return 0
			case 1:
				return float32(rng.NormFloat64() * 1e-20)
			case 2:
				return float32(rng.NormFloat64() * 1e21)
			case 3:
				return float32(math.Ldexp(rng.NormFloat64(), -140)) // subnormal itself
			}
			return float32(rng.NormFloat64())
		}},
	}
	hypers := []struct{ b1, b2, eps float32 }{{0.9, 0.999, 1e-7}, {0.5, 0.75, 1e-3}}
	for _, n := range []int{0, 1, 7, 8, 9, 31, 1000, 4099} {
		for _, gk := range grads {
			for _, h := range hypers {
				t.Run(fmt.Sprintf("n=%d/%s/b1=%g", n, gk.name, h.b1), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(n), 7))
					alloc := func() ([]float32, []float32) {
						a, b := make([]float32, n+1), make([]float32, n+1)
						return a[1:], b[1:]
					}
					wGo, wVec := alloc()
					mGo, mVec := alloc()
					vGo, vVec := alloc()
					for j := range wGo {
						wGo[j] = float32(rng.NormFloat64())
					}
					copy(wVec, wGo)
					g := make([]float32, n+1)[1:]
					for step := 1; step <= 5; step++ {
						for j := range g {
							g[j] = gk.gen(rng)
						}
						lrT := float32(1e-3 * math.Sqrt(1-math.Pow(float64(h.b2), float64(step))) / (1 - math.Pow(float64(h.b1), float64(step))))
						adamChunk(wGo, g, mGo, vGo, h.b1, h.b2, h.eps, lrT)
						adamStep(wVec, g, mVec, vVec, h.b1, h.b2, h.eps, lrT)
						for _, a := range []struct {
							name      string
							got, want []float32
						}{{"w", wVec, wGo}, {"m", mVec, mGo}, {"v", vVec, vGo}} {
							for j := range a.want {
								if math.Float32bits(a.got[j]) != math.Float32bits(a.want[j]) {
									t.Fatalf("step %d, %s[%d] (g %v): kernel %v (%#08x), Go %v (%#08x)", step, a.name, j,
										g[j], a.got[j], math.Float32bits(a.got[j]), a.want[j], math.Float32bits(a.want[j]))
								}
							}
						}
					}
				})
			}
		}
	}
}

// BenchmarkAdamChunk measures one update of about a million parameters by the Go loop and by the vector
// kernel, on one core. The throughput counts the memory traffic: four arrays read and three written, 28
// bytes a parameter.
func BenchmarkAdamChunk(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for j := range w {
		w[j], g[j] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	for _, c := range []struct {
		name string
		run  func()
		ok   bool
	}{
		{"go", func() { adamChunk(w, g, m, v, 0.9, 0.999, 1e-7, 1e-3) }, true},
		{"avx2", func() { adamStep(w, g, m, v, 0.9, 0.999, 1e-7, 1e-3) }, hasAdamKernel},
	} {
		b.Run(c.name, func(b *testing.B) {
			if !c.ok {
				b.Skip("no vector Adam kernel on this CPU")
			}
			b.SetBytes(28 * n)
			for b.Loop() {
				c.run()
			}
		})
	}
}
