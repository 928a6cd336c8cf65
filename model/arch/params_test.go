package arch

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"inceptionlab/model/safetensors"
)

func TestParamInfos(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			p := mustPlan(t, variantSpec(10, 64, v.reduce, v.poolProj))
			seen := map[string]bool{}
			for _, pi := range p.ParamInfos() {
				if seen[pi.Name] {
					t.Errorf("duplicate parameter name %q", pi.Name)
				}
				seen[pi.Name] = true
				l := p.Layers[pi.Layer]
				if !strings.HasPrefix(pi.Name, l.Name+"/") {
					t.Errorf("%s does not belong to layer %s", pi.Name, l.Name)
				}
				if pi.Bias != strings.HasSuffix(pi.Name, "/b") {
					t.Errorf("%s: Bias = %v", pi.Name, pi.Bias)
				}
			}
		})
	}
	p := mustPlan(t, DefaultSpec(1000))
	byName := map[string]ParamInfo{}
	for _, pi := range p.ParamInfos() {
		byName[pi.Name] = pi
	}
	tests := []struct {
		name          string
		shape         []int
		fanIn, fanOut int
	}{
		{"conv1_7x7_s2/w", []int{64, 3, 7, 7}, 3 * 49, 64 * 49},
		{"conv1_7x7_s2/b", []int{64}, 3 * 49, 64 * 49},
		{"inception_3a/b3_5x5/w", []int{32, 16, 5, 5}, 16 * 25, 32 * 25},
		{"aux1/fc1/w", []int{1024, 2048}, 2048, 1024},
		{"fc/w", []int{1000, 1024}, 1024, 1000},
		{"fc/b", []int{1000}, 1024, 1000},
	}
	for _, tc := range tests {
		pi, ok := byName[tc.name]
		if !ok {
			t.Errorf("no parameter %s", tc.name)
			continue
		}
		if !slices.Equal(pi.Shape, tc.shape) || pi.FanIn != tc.fanIn || pi.FanOut != tc.fanOut {
			t.Errorf("%s: shape %v fans %d/%d, want %v %d/%d", tc.name, pi.Shape, pi.FanIn, pi.FanOut, tc.shape, tc.fanIn, tc.fanOut)
		}
	}
}

func TestInitParamsDeterministic(t *testing.T) {
	for _, init := range []string{"glorot_uniform", "he_normal"} {
		t.Run(init, func(t *testing.T) {
			s := variantSpec(10, 32, true, true)
			s.Init = init
			p := mustPlan(t, s)
			a, err := InitParams(p, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := InitParams(p, rand.New(rand.NewPCG(1, 2)))
			c, _ := InitParams(p, rand.New(rand.NewPCG(1, 3)))
			if err := p.CheckTensors(a); err != nil {
				t.Fatal(err)
			}
			same, differ := true, false
			for i := range a {
				for j := range a[i].Data {
					same = same && math.Float32bits(a[i].Data[j]) == math.Float32bits(b[i].Data[j])
					differ = differ || a[i].Data[j] != c[i].Data[j]
				}
			}
			if !same {
				t.Error("same seed gave different parameters")
			}
			if !differ {
				t.Error("different seeds gave identical parameters")
			}
		})
	}
}

// TestInitDistributions checks the init laws on layers large enough for tight statistics: biases zero;
// glorot_uniform within +-sqrt(6/(fan_in+fan_out)) with variance l^2/3; he_normal within 2 of its
// pre-truncation stddev and with variance 2/fan_in.
func TestInitDistributions(t *testing.T) {
	for _, init := range []string{"glorot_uniform", "he_normal"} {
		t.Run(init, func(t *testing.T) {
			s := DefaultSpec(1000)
			s.Init = init
			p := mustPlan(t, s)
			ts, err := InitParams(p, rand.New(rand.NewPCG(7, 7)))
			if err != nil {
				t.Fatal(err)
			}
			for i, pi := range p.ParamInfos() {
				data := ts[i].Data
				if pi.Bias {
					for _, v := range data {
						if v != 0 {
							t.Fatalf("%s: bias %g, want 0", pi.Name, v)
						}
					}
					continue
				}
				var bound, variance float64
				if init == "glorot_uniform" {
					bound = math.Sqrt(6 / float64(pi.FanIn+pi.FanOut))
					variance = bound * bound / 3
				} else {
					bound = 2 * math.Sqrt(2/float64(pi.FanIn)) / heNormalStddevCorrection
					variance = 2 / float64(pi.FanIn)
				}
				var sum, sq float64
				for _, v := range data {
					if math.Abs(float64(v)) > bound*(1+1e-6) {
						t.Fatalf("%s: %g outside +-%g", pi.Name, v, bound)
					}
					sum += float64(v)
					sq += float64(v) * float64(v)
				}
				n := float64(len(data))
				if n < 100000 {
					continue
				}
				mean, vr := sum/n, sq/n-(sum/n)*(sum/n)
				if math.Abs(mean) > 5*math.Sqrt(variance/n) || math.Abs(vr/variance-1) > 0.02 {
					t.Errorf("%s (%d values): mean %.3g variance %.4g, want 0 and %.4g", pi.Name, len(data), mean, vr, variance)
				}
			}
		})
	}
}

func TestInitParamsUnknownInit(t *testing.T) {
	p := mustPlan(t, DefaultSpec(10))
	p.Spec.Init = "orthogonal"
	if _, err := InitParams(p, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), `"orthogonal"`) {
		t.Errorf("err = %v, want it to name the init", err)
	}
}

func TestCheckTensors(t *testing.T) {
	p := mustPlan(t, variantSpec(10, 32, true, true))
	good, _ := InitParams(p, rand.New(rand.NewPCG(1, 1)))
	tests := []struct {
		name string
		edit func([]safetensors.Tensor) []safetensors.Tensor
		want string
	}{
		{"missing", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] }, `missing tensor "conv1_7x7_s2/w"`},
		{"extra", func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "x/w", Shape: []int{1}, Data: []float32{0}})
		}, `unexpected tensor "x/w"`},
		{"shape", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[1].Shape = []int{63}; return ts }, `tensor "conv1_7x7_s2/b" has shape [63], want [64]`},
		{"data", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[1].Data = ts[1].Data[:3]; return ts }, `tensor "conv1_7x7_s2/b" has 3 values, want 64`},
		{"duplicate", func(ts []safetensors.Tensor) []safetensors.Tensor { return append(ts, ts[0]) }, `duplicate tensor "conv1_7x7_s2/w"`},
	}
	if err := p.CheckTensors(good); err != nil {
		t.Fatalf("fresh parameters rejected: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := make([]safetensors.Tensor, len(good))
			for i, g := range good {
				ts[i] = safetensors.Tensor{Name: g.Name, Shape: slices.Clone(g.Shape), Data: g.Data}
			}
			err := p.CheckTensors(tc.edit(ts))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
