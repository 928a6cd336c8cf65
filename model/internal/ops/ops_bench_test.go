package ops

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GoogLeNet convolution shapes of the 224x16 network (batch 16, float32): conv1 (7x7_3to64_224), conv2's
// 3x3, 3a-3b, 4a and 5b layers, and a small-map 5x5-reduction-sized one (480to16). Run with
//
//	go test ./model/internal/ops/ -run '^$' -bench 'Conv' -benchtime 5x
type benchConv struct {
	name             string
	n, c, h, o, k, s int
	pad              int
}

var benchConvs = []benchConv{
	{name: "1x1_192to64_28", n: 16, c: 192, h: 28, o: 64, k: 1, s: 1},
	{name: "3x3_96to128_28", n: 16, c: 96, h: 28, o: 128, k: 3, s: 1, pad: 1},
	{name: "1x1_480to192_14", n: 16, c: 480, h: 14, o: 192, k: 1, s: 1},
	{name: "1x1_480to16_14", n: 16, c: 480, h: 14, o: 16, k: 1, s: 1},
	{name: "1x1_832to384_7", n: 16, c: 832, h: 7, o: 384, k: 1, s: 1},
	{name: "1x1_256to128_28", n: 16, c: 256, h: 28, o: 128, k: 1, s: 1},
	{name: "3x3_96to208_14", n: 16, c: 96, h: 14, o: 208, k: 3, s: 1, pad: 1},
	{name: "7x7_3to64_224", n: 16, c: 3, h: 224, o: 64, k: 7, s: 2, pad: 3},
	{name: "3x3_64to192_56", n: 16, c: 64, h: 56, o: 192, k: 3, s: 1, pad: 1},
}

func (bc benchConv) macs() float64 {
	oh := (bc.h+2*bc.pad-bc.k)/bc.s + 1
	return float64(bc.n * bc.o * oh * oh * bc.c * bc.k * bc.k)
}

func (bc benchConv) tensors() (x, w, b, dy *tensor.Dense, op conv2dOp) {
	op = conv2dOp{stride: bc.s, pad: [4]int{bc.pad, bc.pad, bc.pad, bc.pad}, relu: true}
	mk := func(seed uint64, shape ...int) *tensor.Dense {
		return denseFrom(tensor.Float32, shape, randData(seed, sizeOf(shape)))
	}
	oh := (bc.h+2*bc.pad-bc.k)/bc.s + 1
	return mk(1, bc.n, bc.c, bc.h, bc.h), mk(2, bc.o, bc.c, bc.k, bc.k), mk(3, bc.o), mk(4, bc.n, bc.o, oh, oh), op
}

func BenchmarkConvForward(b *testing.B) {
	for _, bc := range benchConvs {
		b.Run(bc.name, func(b *testing.B) {
			x, w, bias, _, op := bc.tensors()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := op.Do(x, w, bias); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*bc.macs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkConvBackward runs the input, filter and bias gradients (2 GEMMs of the forward's size each).
func BenchmarkConvBackward(b *testing.B) {
	for _, bc := range benchConvs {
		b.Run(bc.name, func(b *testing.B) {
			x, w, _, dy, op := bc.tensors()
			var xs [4]int
			copy(xs[:], x.Shape())
			data := convDataGradOp{stride: op.stride, pad: op.pad, x: xs}
			filter := convFilterGradOp{stride: op.stride, pad: op.pad, k: bc.k}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, run := range []func() (G.Value, error){
					func() (G.Value, error) { return data.Do(dy, w) },
					func() (G.Value, error) { return filter.Do(x, dy) },
					func() (G.Value, error) { return biasGradOp{dims: 4}.Do(dy) },
				} {
					if _, err := run(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(4*bc.macs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
