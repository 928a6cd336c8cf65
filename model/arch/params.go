package arch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"inceptionlab/model/safetensors"
)

// ParamInfo describes one trainable tensor of a plan.
type ParamInfo struct {
	Name   string // Layer.Name + "/w" or "/b", e.g. "inception_3a/b2_3x3/w"
	Shape  []int  // conv w (O, C, K, K), dense w (Out, In), biases (O)
	FanIn  int    // Keras fans: conv C*K*K, dense In
	FanOut int    // conv O*K*K, dense Out
	Layer  int    // index into Plan.Layers
	Bias   bool
}

// Size is the number of elements of the tensor.
func (pi ParamInfo) Size() int { return product(pi.Shape) }

// ParamInfos lists the parameters of every conv and dense layer in layer order, weight before bias. Names
// are unique because layer names are.
func (p *Plan) ParamInfos() []ParamInfo {
	var out []ParamInfo
	for i, l := range p.Layers {
		var w []int
		var fanIn, fanOut int
		switch l.Kind {
		case KindConv:
			w = []int{l.Out.C, l.In.C, l.K, l.K}
			fanIn, fanOut = l.In.C*l.K*l.K, l.Out.C*l.K*l.K
		case KindDense:
			w = []int{l.Out.C, l.In.Size()}
			fanIn, fanOut = l.In.Size(), l.Out.C
		default:
			continue
		}
		out = append(out,
			ParamInfo{Name: l.Name + "/w", Shape: w, FanIn: fanIn, FanOut: fanOut, Layer: i},
			ParamInfo{Name: l.Name + "/b", Shape: []int{l.Out.C}, FanIn: fanIn, FanOut: fanOut, Layer: i, Bias: true})
	}
	return out
}

// heNormalStddevCorrection is the standard deviation of a unit normal truncated to [-2, 2]; Keras
// (tf.keras >= 2.1, Keras 3) divides the target stddev by it so the truncated samples have the intended
// variance.
const heNormalStddevCorrection = 0.87962566103423978

// InitParams returns freshly initialised parameters in ParamInfos order, drawing from rng in that order so
// a seed fixes every value. Biases are zero. Weights follow p.Spec.Init:
//
//   - "glorot_uniform" (also ""; Keras' default): U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
//   - "he_normal": Keras' truncated normal, mean 0, stddev sqrt(2 / fan_in) / 0.8796 (the stddev of a unit
//     normal truncated at +-2), samples outside +-2 of that stddev redrawn, so the variance of the result is
//     2 / fan_in.
func InitParams(p *Plan, rng *rand.Rand) ([]safetensors.Tensor, error) {
	infos := p.ParamInfos()
	out := make([]safetensors.Tensor, len(infos))
	for i, pi := range infos {
		data := make([]float32, pi.Size())
		if !pi.Bias {
			switch p.Spec.Init {
			case "", "glorot_uniform":
				l := math.Sqrt(6 / float64(pi.FanIn+pi.FanOut))
				for j := range data {
					data[j] = float32((2*rng.Float64() - 1) * l)
				}
			case "he_normal":
				sd := math.Sqrt(2/float64(pi.FanIn)) / heNormalStddevCorrection
				for j := range data {
					v := rng.NormFloat64()
					for v < -2 || v > 2 {
						v = rng.NormFloat64()
					}
					data[j] = float32(v * sd)
				}
			default:
				return nil, fmt.Errorf("model: init must be glorot_uniform or he_normal, got %q", p.Spec.Init)
			}
		}
		out[i] = safetensors.Tensor{Name: pi.Name, Shape: slices.Clone(pi.Shape), Data: data}
	}
	return out, nil
}

// CheckTensors reports whether ts holds exactly the plan's parameters with the right shapes (in any order),
// naming every missing, unexpected or mis-shaped tensor. It is what loading a checkpoint relies on.
func (p *Plan) CheckTensors(ts []safetensors.Tensor) error {
	want := map[string][]int{}
	for _, pi := range p.ParamInfos() {
		want[pi.Name] = pi.Shape
	}
	var problems []string
	seen := map[string]bool{}
	for _, t := range ts {
		if seen[t.Name] {
			problems = append(problems, fmt.Sprintf("duplicate tensor %q", t.Name))
			continue
		}
		seen[t.Name] = true
		shape, ok := want[t.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unexpected tensor %q", t.Name))
		case !slices.Equal(shape, t.Shape):
			problems = append(problems, fmt.Sprintf("tensor %q has shape %v, want %v", t.Name, t.Shape, shape))
		case len(t.Data) != product(shape):
			problems = append(problems, fmt.Sprintf("tensor %q has %d values, want %d", t.Name, len(t.Data), product(shape)))
		}
	}
	for _, pi := range p.ParamInfos() {
		if !seen[pi.Name] {
			problems = append(problems, fmt.Sprintf("missing tensor %q", pi.Name))
		}
	}
	if len(problems) > 0 {
		const max = 8
		more := ""
		if len(problems) > max {
			more = fmt.Sprintf("; and %d more", len(problems)-max)
			problems = problems[:max]
		}
		return fmt.Errorf("model: parameters do not match the plan: %s%s", strings.Join(problems, "; "), more)
	}
	return nil
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
