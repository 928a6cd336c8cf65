package optim

import (
	"fmt"
	"math"
	"strconv"

	"gorgonia.org/tensor"

	"inceptionlab/model/arch"
	"inceptionlab/model/safetensors"
)

// Adam is the Adam optimizer (Kingma & Ba) with Keras' defaults (beta1 0.9, beta2 0.999, epsilon 1e-7),
// the optimizer of the tutorial. Its state (step count and both moment estimates) is explicit so that a
// checkpoint can save it and a resumed run continues exactly; gorgonia's AdamSolver keeps that state
// private, which is why the net does not use it.
//
// Update, for every parameter p with gradient g at step t:
//
//	m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
//	p -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)
type Adam struct {
	Beta1, Beta2, Eps float64
	T                 int64
	M, V              [][]float32 // ParamInfos order
}

// NewAdam returns a fresh optimizer for the given parameters.
func NewAdam(infos []arch.ParamInfo) *Adam {
	a := &Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-7}
	for _, pi := range infos {
		a.M = append(a.M, make([]float32, pi.Size()))
		a.V = append(a.V, make([]float32, pi.Size()))
	}
	return a
}

// Update applies one step to params using grads (same order and sizes as the optimizer's state). The
// update is element-wise, so it is split into chunks run on all cores; the result does not depend on how.
func (a *Adam) Update(lr float64, params []*tensor.Dense, grads [][]float32) {
	a.T++
	t := float64(a.T)
	lrT := float32(lr * math.Sqrt(1-math.Pow(a.Beta2, t)) / (1 - math.Pow(a.Beta1, t)))
	b1, b2, eps := float32(a.Beta1), float32(a.Beta2), float32(a.Eps)
	sizes := make([]int, len(params))
	for i, p := range params {
		sizes[i] = p.Shape().TotalSize()
	}
	Parallel(Chunks(sizes), func(c Chunk) {
		w := params[c.I].Float32s()[c.Lo:c.Hi]
		adamStep(w, grads[c.I][c.Lo:c.Hi], a.M[c.I][c.Lo:c.Hi], a.V[c.I][c.Lo:c.Hi], b1, b2, eps, lrT)
	})
}

// adamStep applies the update to one run of parameters w with gradients g and moments m, v (all the same
// length), using the vector kernel for the multiple-of-8 prefix when the CPU has one and adamChunk for the
// rest; the result is bit-identical to adamChunk on the whole run.
func adamStep(w, g, m, v []float32, b1, b2, eps, lrT float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	n8 := 0
	if hasAdamKernel {
		n8 = n &^ 7
	}
	if n8 > 0 {
		adamKernelAVX2(&w[0], &g[0], &m[0], &v[0], n8, b1, 1-b1, b2, 1-b2, eps, lrT)
	}
	adamChunk(w[n8:], g[n8:], m[n8:], v[n8:], b1, b2, eps, lrT)
}

// adamChunk is the plain Go update loop, the fallback and the reference for the vector kernel: for every j,
//
//	m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;  w -= lrT*m / (sqrt(v) + eps)
//
// with every operation rounded to float32 on its own. The explicit conversions say so: without them the
// compiler may fuse a multiply and an add (it does for GOAMD64=v3 and on arm64), which changes the result.
// The float32 square root goes through float64, which rounds the same as a float32 square root would.
func adamChunk(w, g, m, v []float32, b1, b2, eps, lrT float32) {
	c1, c2 := 1-b1, 1-b2
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for j := range w {
		gj := g[j]
		m[j] = float32(b1*m[j]) + float32(c1*gj)
		v[j] = float32(b2*v[j]) + float32(float32(c2*gj)*gj)
		w[j] -= float32(lrT*m[j]) / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}

// stateTensors returns the moment estimates as named tensors ("adam/m/<param>", "adam/v/<param>") and the
// scalar state as metadata, for a training checkpoint.
func (a *Adam) StateTensors(infos []arch.ParamInfo) ([]safetensors.Tensor, map[string]string) {
	var ts []safetensors.Tensor
	for i, pi := range infos {
		ts = append(ts, safetensors.Tensor{Name: "adam/m/" + pi.Name, Shape: pi.Shape, Data: a.M[i]},
			safetensors.Tensor{Name: "adam/v/" + pi.Name, Shape: pi.Shape, Data: a.V[i]})
	}
	meta := map[string]string{
		"adam.t":     strconv.FormatInt(a.T, 10),
		"adam.beta1": strconv.FormatFloat(a.Beta1, 'g', -1, 64),
		"adam.beta2": strconv.FormatFloat(a.Beta2, 'g', -1, 64),
		"adam.eps":   strconv.FormatFloat(a.Eps, 'g', -1, 64),
	}
	return ts, meta
}

// setState restores what stateTensors saved.
func (a *Adam) SetState(infos []arch.ParamInfo, byName map[string]safetensors.Tensor, meta map[string]string) error {
	t, err := strconv.ParseInt(meta["adam.t"], 10, 64)
	if err != nil || t < 0 {
		return fmt.Errorf("model: checkpoint metadata adam.t must be a step count, got %q", meta["adam.t"])
	}
	for i, pi := range infos {
		for _, mv := range []struct {
			name string
			dst  []float32
		}{{"adam/m/" + pi.Name, a.M[i]}, {"adam/v/" + pi.Name, a.V[i]}} {
			src, ok := byName[mv.name]
			if !ok {
				return fmt.Errorf("model: checkpoint has no optimizer tensor %q", mv.name)
			}
			if len(src.Data) != len(mv.dst) {
				return fmt.Errorf("model: optimizer tensor %q has %d values, want %d", mv.name, len(src.Data), len(mv.dst))
			}
			copy(mv.dst, src.Data)
		}
	}
	a.T = t
	return nil
}
