package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"inceptionlab/model/arch"
	"inceptionlab/model/safetensors"
)

// refForward is a deliberately plain float64 interpreter of a Plan in inference mode (dropout is the
// identity): direct loops, no tricks, so it can serve as the Go side of the PyTorch cross-check
// independently of gorgonia. x holds batch images in (N, C, H, W) order. It returns, per head in
// p.Heads order, the logits (batch x NumClasses); aux heads are evaluated too (as in eval mode).
func refForward(t testing.TB, p *arch.Plan, params []safetensors.Tensor, x []float32, batch int) [][]float64 {
	t.Helper()
	byName := map[string][]float32{}
	for _, ts := range params {
		byName[ts.Name] = ts.Data
	}
	in := p.Layers[0].Out
	if len(x) != batch*in.Size() {
		t.Fatalf("refForward: %d input values, want %d x %v", len(x), batch, in)
	}
	heads := make([][]float64, len(p.Heads))
	for n := 0; n < batch; n++ {
		acts := make([][]float64, len(p.Layers))
		img := make([]float64, in.Size())
		for i := range img {
			img[i] = float64(x[n*in.Size()+i])
		}
		acts[0] = img
		for i := 1; i < len(p.Layers); i++ {
			l := p.Layers[i]
			src := acts[l.Inputs[0]]
			switch l.Kind {
			case arch.KindConv:
				acts[i] = refConv(l, src, byName[l.Name+"/w"], byName[l.Name+"/b"])
			case arch.KindMaxPool:
				acts[i] = refMaxPool(l, src)
			case arch.KindAvgPool:
				acts[i] = refAvgPool(l, src)
			case arch.KindAdaptive:
				acts[i] = refAdaptive(l, src)
			case arch.KindConcat:
				var out []float64
				for _, j := range l.Inputs {
					out = append(out, acts[j]...)
				}
				acts[i] = out
			case arch.KindDropout:
				acts[i] = src
			case arch.KindDense:
				acts[i] = refDense(l, src, byName[l.Name+"/w"], byName[l.Name+"/b"])
			default:
				t.Fatalf("refForward: layer %s has unexpected kind %v", l.Name, l.Kind)
			}
			if len(acts[i]) != l.Out.Size() {
				t.Fatalf("refForward: layer %s produced %d values, want %v", l.Name, len(acts[i]), l.Out)
			}
		}
		for h, head := range p.Heads {
			heads[h] = append(heads[h], acts[head.Layer]...)
		}
	}
	return heads
}

func relu(v float64, on bool) float64 {
	if on && v < 0 {
		return 0
	}
	return v
}

// refConv: out[o,y,x] = b[o] + sum_{c,ky,kx} w[o,c,ky,kx] * in[c, y*s+ky-padTop, x*s+kx-padLeft], zero outside.
func refConv(l arch.Layer, in []float64, w, b []float32) []float64 {
	I, O, K := l.In, l.Out, l.K
	out := make([]float64, O.Size())
	for o := 0; o < O.C; o++ {
		plane := out[o*O.H*O.W : (o+1)*O.H*O.W]
		for i := range plane {
			plane[i] = float64(b[o])
		}
		for c := 0; c < I.C; c++ {
			src := in[c*I.H*I.W : (c+1)*I.H*I.W]
			for ky := 0; ky < K; ky++ {
				for kx := 0; kx < K; kx++ {
					wv := float64(w[((o*I.C+c)*K+ky)*K+kx])
					for y := 0; y < O.H; y++ {
						iy := y*l.Stride + ky - l.Pad[0]
						if iy < 0 || iy >= I.H {
							continue
						}
						row := src[iy*I.W : (iy+1)*I.W]
						dst := plane[y*O.W : (y+1)*O.W]
						for xx := 0; xx < O.W; xx++ {
							ix := xx*l.Stride + kx - l.Pad[2]
							if ix >= 0 && ix < I.W {
								dst[xx] += wv * row[ix]
							}
						}
					}
				}
			}
		}
		for i := range plane {
			plane[i] = relu(plane[i], l.ReLU)
		}
	}
	return out
}

// refMaxPool: max over the in-range cells of each window (padding never wins, TF SAME).
func refMaxPool(l arch.Layer, in []float64) []float64 {
	I, O := l.In, l.Out
	out := make([]float64, O.Size())
	for c := 0; c < O.C; c++ {
		for y := 0; y < O.H; y++ {
			for x := 0; x < O.W; x++ {
				m := math.Inf(-1)
				for ky := 0; ky < l.K; ky++ {
					for kx := 0; kx < l.K; kx++ {
						iy, ix := y*l.Stride+ky-l.Pad[0], x*l.Stride+kx-l.Pad[2]
						if iy >= 0 && iy < I.H && ix >= 0 && ix < I.W {
							m = math.Max(m, in[(c*I.H+iy)*I.W+ix])
						}
					}
				}
				out[(c*O.H+y)*O.W+x] = m
			}
		}
	}
	return out
}

// refAvgPool: 'valid' mean over K x K windows.
func refAvgPool(l arch.Layer, in []float64) []float64 {
	I, O := l.In, l.Out
	out := make([]float64, O.Size())
	for c := 0; c < O.C; c++ {
		for y := 0; y < O.H; y++ {
			for x := 0; x < O.W; x++ {
				s := 0.0
				for ky := 0; ky < l.K; ky++ {
					for kx := 0; kx < l.K; kx++ {
						s += in[(c*I.H+y*l.Stride+ky)*I.W+x*l.Stride+kx]
					}
				}
				out[(c*O.H+y)*O.W+x] = s / float64(l.K*l.K)
			}
		}
	}
	return out
}

// refAdaptive: PyTorch adaptive average pooling; cell i covers [floor(i*n/out), ceil((i+1)*n/out)).
func refAdaptive(l arch.Layer, in []float64) []float64 {
	I, O := l.In, l.Out
	out := make([]float64, O.Size())
	for c := 0; c < O.C; c++ {
		for y := 0; y < O.H; y++ {
			y0, y1 := y*I.H/O.H, ((y+1)*I.H+O.H-1)/O.H
			for x := 0; x < O.W; x++ {
				x0, x1 := x*I.W/O.W, ((x+1)*I.W+O.W-1)/O.W
				s := 0.0
				for iy := y0; iy < y1; iy++ {
					for ix := x0; ix < x1; ix++ {
						s += in[(c*I.H+iy)*I.W+ix]
					}
				}
				out[(c*O.H+y)*O.W+x] = s / float64((y1-y0)*(x1-x0))
			}
		}
	}
	return out
}

// refDense: out[o] = b[o] + sum_i w[o,i] * in[i], the input flattened in (C, H, W) order.
func refDense(l arch.Layer, in []float64, w, b []float32) []float64 {
	n := l.In.Size()
	out := make([]float64, l.Out.C)
	for o := range out {
		s := float64(b[o])
		for i := 0; i < n; i++ {
			s += float64(w[o*n+i]) * in[i]
		}
		out[o] = relu(s, l.ReLU)
	}
	return out
}

// TestRefPrimitives pins the interpreter's pooling and padding semantics on tiny hand-worked cases.
func TestRefPrimitives(t *testing.T) {
	// 1x4x4 input 1..16
	in := make([]float64, 16)
	for i := range in {
		in[i] = float64(i + 1)
	}
	// max-pool 3/2 SAME on 4: out 2, pad (0,1): windows rows {0,1,2},{2,3}
	mp := arch.Layer{Kind: arch.KindMaxPool, In: arch.Shape{C: 1, H: 4, W: 4}, Out: arch.Shape{C: 1, H: 2, W: 2}, K: 3, Stride: 2, Pad: [4]int{0, 1, 0, 1}}
	if got := fmt.Sprint(refMaxPool(mp, in)); got != "[11 12 15 16]" {
		t.Errorf("max pool = %s", got)
	}
	// adaptive 4x4 -> 3x3: windows [0,2),[1,3),[2,4) on each axis
	ad := arch.Layer{Kind: arch.KindAdaptive, In: arch.Shape{C: 1, H: 4, W: 4}, Out: arch.Shape{C: 1, H: 3, W: 3}}
	if got := fmt.Sprint(refAdaptive(ad, in)); got != "[3.5 4.5 5.5 7.5 8.5 9.5 11.5 12.5 13.5]" {
		t.Errorf("adaptive = %s", got)
	}
	// adaptive 2x2 -> 4x4 replicates
	ad2 := arch.Layer{Kind: arch.KindAdaptive, In: arch.Shape{C: 1, H: 2, W: 2}, Out: arch.Shape{C: 1, H: 4, W: 4}}
	if got := fmt.Sprint(refAdaptive(ad2, []float64{1, 2, 3, 4})); got != "[1 1 2 2 1 1 2 2 3 3 4 4 3 3 4 4]" {
		t.Errorf("adaptive up = %s", got)
	}
	// conv 3x3/2 SAME on 4 (pad 0 before, 1 after), all-ones kernel, bias -40, ReLU:
	// windows cover rows/cols {0,1,2} and {2,3}: sums 54, 45, 72, 54
	cv := arch.Layer{Kind: arch.KindConv, In: arch.Shape{C: 1, H: 4, W: 4}, Out: arch.Shape{C: 1, H: 2, W: 2}, K: 3, Stride: 2, Pad: [4]int{0, 1, 0, 1}, ReLU: true}
	w := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	if got := fmt.Sprint(refConv(cv, in, w, []float32{-50})); got != "[4 0 22 4]" {
		t.Errorf("conv = %s", got)
	}
}

// TestUntrainedLoss: with the default Glorot-uniform init and zero biases the untrained logits are small,
// so the cross-entropy of any label is about ln(num_classes).
func TestUntrainedLoss(t *testing.T) {
	s := arch.DefaultSpec(10)
	s.ImageSize = 32
	p := mustPlan(t, s)
	rng := rand.New(rand.NewPCG(11, 12))
	params, err := arch.InitParams(p, rng)
	if err != nil {
		t.Fatal(err)
	}
	const batch = 4
	x := make([]float32, batch*3*32*32)
	for i := range x {
		x[i] = rng.Float32()
	}
	logits := refForward(t, p, params, x, batch)[0]
	for n := 0; n < batch; n++ {
		row := logits[n*10 : (n+1)*10]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		z := 0.0
		for _, v := range row {
			z += math.Exp(v - m)
		}
		for label, v := range row {
			if ce := m + math.Log(z) - v; math.Abs(ce-math.Log(10)) > 0.05 {
				t.Errorf("image %d label %d: untrained cross-entropy %.4f, want about ln 10 = %.4f", n, label, ce, math.Log(10))
			}
		}
	}
}
