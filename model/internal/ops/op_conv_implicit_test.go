package ops

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"

	kern "inceptionlab/model/internal/gemm"
)

// TestImplicitGemmMatchesIm2col checks the per-sample forward convolution whose GEMM packs its columns
// straight from the sample (kern.GemmPackedConvBiasAct) against im2col into a column matrix followed
// by GemmPackedBiasAct: the same bits for every geometry, including asymmetric padding, kernels wider
// than the map, a 1x1 kernel with padding, several k slices (C*K*K > 256), edge panels and rows.
func TestImplicitGemmMatchesIm2col(t *testing.T) {
	tests := []struct {
		name                    string
		c, h, w, o, k           int
		pt, pb, pl, pr, workers int
		relu                    bool
		stride                  int
	}{
		{"7x7 stride 2 (conv1 at 64x64)", 3, 64, 64, 16, 7, 2, 3, 2, 3, 1, true, 2},
		{"7x7 stride 2 (conv1 at 224x224)", 3, 224, 224, 8, 7, 2, 3, 2, 3, 2, true, 2},
		{"3x3 stride 2, panels over two rows", 4, 9, 80, 6, 3, 0, 1, 0, 1, 1, false, 2},
		{"5x5 stride 2 asymmetric pad, odd rows", 5, 71, 71, 7, 5, 1, 2, 2, 1, 2, true, 2},
		{"stride 2 short rows (gathers)", 2, 40, 40, 3, 3, 1, 1, 1, 1, 1, true, 2},
		{"7x7 stride 2 (conv1 at 32x32, 16-wide rows: gathers)", 3, 32, 32, 13, 7, 2, 3, 2, 3, 2, true, 2},
		{"5x5 stride 2 7-wide rows, odd pad (gathers)", 4, 13, 13, 6, 5, 2, 1, 1, 2, 1, false, 2},
		{"3x3 stride 2 odd map", 5, 15, 13, 7, 3, 1, 1, 0, 1, 2, true, 2},
		{"3x3 stride 3 valid", 4, 17, 19, 6, 3, 0, 0, 0, 0, 1, false, 3},
		{"3x3 same 28x28", 16, 28, 28, 24, 3, 1, 1, 1, 1, 1, true, 1},
		{"3x3 same 56x56 two slices", 64, 56, 56, 13, 3, 1, 1, 1, 1, 1, true, 1},
		{"5x5 same 14x14 two workers", 12, 14, 14, 32, 5, 2, 2, 2, 2, 2, false, 1},
		{"3x3 valid", 5, 9, 11, 7, 3, 0, 0, 0, 0, 1, true, 1},
		{"asymmetric pad", 3, 10, 13, 6, 4, 1, 2, 2, 1, 1, true, 1},
		{"1x1 padded", 4, 6, 5, 5, 1, 1, 0, 0, 1, 1, false, 1},
		{"kernel wider than map", 2, 3, 2, 4, 5, 2, 2, 2, 2, 1, true, 1},
		{"one output row per panel", 7, 40, 1, 3, 3, 1, 1, 1, 1, 1, true, 1},
		{"wide rows", 3, 4, 70, 9, 3, 1, 1, 1, 1, 2, true, 0},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := newConvGeom(conv2dOp{}, []int{1, tt.c, tt.h, tt.w}, tt.o, tt.c, tt.k, max(tt.stride, 1), [4]int{tt.pt, tt.pb, tt.pl, tt.pr})
			if err != nil {
				t.Fatal(err)
			}
			x := randSlice(rng, g.inSize())
			x[0], x[len(x)-1] = float32(math.Inf(1)), float32(math.Copysign(0, -1)) // values that must be copied, not recomputed
			w, b := randSlice(rng, g.o*g.ckk()), randSlice(rng, g.o)
			pa := kern.PackA(false, g.o, g.ckk(), 1, w, g.ckk())
			defer pa.Release()

			col := make([]float32, g.ckk()*g.p())
			im2col(g, x, col)
			want := make([]float32, g.o*g.p())
			kern.GemmPackedBiasAct(pa, tt.workers, false, g.p(), col, g.p(), want, g.p(), b, tt.relu)

			got := make([]float32, g.o*g.p())
			for i := range got {
				got[i] = float32(math.NaN()) // every element must be written
			}
			took := kern.GemmPackedConvBiasAct(pa, tt.workers, g.convB(), x, got, g.p(), b, tt.relu)
			if want := implicitExpected(g, 1); took != want {
				t.Fatalf("implicit GEMM taken: %t, want %t", took, want)
			}
			if !took {
				if !math.IsNaN(float64(got[0])) {
					t.Fatal("declined, but wrote the output")
				}
				return
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("output %d (channel %d, position %d) = %v, im2col path %v", i, i/g.p(), i%g.p(), got[i], want[i])
				}
			}
		})
	}
}

// implicitExpected is where the implicit GEMM should be taken (kern.hasPackedConv): the pure-Go GEMM
// (its AVX-512 kernel's 32-wide panels or the AVX2 kernel's 16-wide ones), kernels up to 8x8, and
// either stride 1 with output rows as wide as input rows or stride 2.
func implicitExpected(g convGeom, ns int) bool {
	if !kern.ThreadIndependent() || g.k > 8 {
		return false
	}
	if g.stride == 2 {
		return true
	}
	return g.stride == 1 && g.ow == g.w
}

// TestImplicitGemmFloat64Declines checks that float64 (no packed form) reports false and writes nothing.
func TestImplicitGemmFloat64Declines(t *testing.T) {
	g, err := newConvGeom(conv2dOp{}, []int{1, 2, 5, 5}, 3, 2, 3, 1, [4]int{1, 1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	w := make([]float64, g.o*g.ckk())
	pa := kern.PackA(false, g.o, g.ckk(), 1, w, g.ckk())
	defer pa.Release()
	y := []float64{42}
	if kern.GemmPackedConvBiasAct(pa, 1, g.convB(), make([]float64, g.inSize()), y, g.p(), make([]float64, g.o), false) || y[0] != 42 {
		t.Fatal("float64 took the implicit GEMM")
	}
}

// TestImplicitGemmChunkMatchesIm2colChunk checks the batched form (several samples side by side, the
// output scattered into NCHW) against im2colChunk followed by GemmPackedToSamples, bit for bit.
func TestImplicitGemmChunkMatchesIm2colChunk(t *testing.T) {
	tests := []struct {
		name                 string
		n, c, h, w, o, k, ns int
		pad                  [4]int
		workers              int
		relu                 bool
		stride               int
	}{
		{"3x3 7x7 maps", 12, 8, 7, 7, 20, 3, 11, [4]int{1, 1, 1, 1}, 2, true, 1},
		{"5x5 4x4 maps", 5, 6, 4, 4, 9, 5, 5, [4]int{2, 2, 2, 2}, 1, false, 1},
		{"3x3 1x1 maps", 40, 30, 1, 1, 7, 3, 32, [4]int{1, 1, 1, 1}, 2, true, 1},
		{"3x3 14x14 maps, last chunk short", 5, 40, 14, 14, 13, 3, 3, [4]int{1, 1, 1, 1}, 2, true, 1},
		{"asymmetric pad 2x3 maps", 9, 3, 2, 3, 5, 2, 9, [4]int{0, 1, 1, 0}, 1, true, 1},
		{"3x3 stride 2, 9x9 maps", 7, 4, 9, 9, 6, 3, 4, [4]int{1, 1, 1, 1}, 2, true, 2},
		{"7x7 stride 2, 32x32 maps 2 per chunk (conv1 at 32x128)", 5, 3, 32, 32, 16, 7, 2, [4]int{2, 3, 2, 3}, 2, true, 2},
		{"3x3 stride 2, 4x4 maps, panels over samples", 19, 6, 4, 4, 7, 3, 16, [4]int{0, 1, 0, 1}, 1, false, 2},
		{"5x5 stride 2, 11x9 maps, odd pad", 9, 3, 11, 9, 5, 5, 4, [4]int{2, 1, 1, 2}, 2, true, 2},
		{"3x3 12x12 maps, panels straddling samples", 7, 9, 12, 12, 10, 3, 4, [4]int{1, 1, 1, 1}, 2, true, 1},
		{"5x5 8x8 maps", 16, 5, 8, 8, 7, 5, 8, [4]int{2, 2, 2, 2}, 1, false, 1},
		{"3x3 16x16 maps, 2 per chunk", 5, 12, 16, 16, 33, 3, 2, [4]int{1, 1, 1, 1}, 2, true, 1},
		{"1x1 14x14 maps (a direct convolution)", 6, 40, 14, 14, 17, 1, 3, [4]int{}, 2, true, 1},
		{"1x1 8x8 maps", 9, 24, 8, 8, 12, 1, 8, [4]int{}, 1, false, 1},
		{"1x1 4x4 maps (gathers)", 33, 8, 4, 4, 5, 1, 32, [4]int{}, 2, true, 1},
		{"3x3 2x2 maps (gathers), short last panel", 37, 16, 2, 2, 9, 3, 37, [4]int{1, 1, 1, 1}, 2, true, 1},
		{"5x5 1x1 maps (gathers)", 70, 6, 1, 1, 8, 5, 64, [4]int{2, 2, 2, 2}, 1, false, 1},
		{"3x3 7x7 maps, panels over two or three samples", 12, 8, 7, 7, 20, 3, 11, [4]int{1, 1, 1, 1}, 2, true, 1},
		{"3x3 3x3 maps, 9 positions", 40, 6, 3, 3, 10, 3, 40, [4]int{1, 1, 1, 1}, 1, true, 1},
		{"3x3 6x6 maps, short last panel", 21, 5, 6, 6, 7, 3, 15, [4]int{1, 1, 1, 1}, 2, false, 1},
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := newConvGeom(conv2dOp{}, []int{tt.n, tt.c, tt.h, tt.w}, tt.o, tt.c, tt.k, tt.stride, tt.pad)
			if err != nil {
				t.Fatal(err)
			}
			x := randSlice(rng, g.n*g.inSize())
			w, b := randSlice(rng, g.o*g.ckk()), randSlice(rng, g.o)
			pa := kern.PackA(false, g.o, g.ckk(), 1, w, g.ckk())
			defer pa.Release()
			p := g.p()
			want := make([]float32, g.n*g.outSize())
			got := make([]float32, g.n*g.outSize())
			for i := range got {
				got[i] = float32(math.NaN())
			}
			for n0 := 0; n0 < g.n; n0 += tt.ns {
				ns := min(tt.ns, g.n-n0)
				cols := ns * p
				col := make([]float32, g.ckk()*cols)
				im2colChunk(g, x, n0, ns, col)
				scratch := make([]float32, g.o*cols)
				kern.GemmPackedToSamples(pa, tt.workers, cols, col, cols, nil, 0, scratch, want[n0*g.outSize():], p, g.outSize(), b, tt.relu)
				cb := g.convB()
				cb.N = ns
				took := kern.GemmPackedConvToSamples(pa, tt.workers, cb, x[n0*g.inSize():], make([]float32, g.o*cols), got[n0*g.outSize():], g.outSize(), b, tt.relu)
				if want := implicitExpected(g, ns); took != want {
					t.Fatalf("chunk at %d: implicit GEMM taken: %t, want %t", n0, took, want)
				}
				if !took {
					t.Logf("chunk at %d: declined (the caller builds the columns)", n0)
					return
				}
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("output %d (sample %d) = %v, im2colChunk path %v", i, i/g.outSize(), got[i], want[i])
				}
			}
		})
	}
}

// TestImplicitGemmAVX2Kernel reruns the implicit-GEMM comparisons in a child process held to the AVX2
// kernel (INCEPTIONLAB_SGEMM_KERNEL=avx2, which a process reads once), so that the 16-wide packers
// (packConvRows16 and its gather form) are checked bit for bit on AVX-512 machines too.
func TestImplicitGemmAVX2Kernel(t *testing.T) {
	if os.Getenv("INCEPTIONLAB_SGEMM_KERNEL") == "avx2" {
		t.Skip("this process is already held to AVX2: the tests above ran the 16-wide packers")
	}
	if runtime.GOARCH != "amd64" || !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		t.Skip("no AVX2 kernel on this CPU")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestImplicitGemm(MatchesIm2col|ChunkMatchesIm2colChunk)$", "-test.count", "1")
	cmd.Env = append(os.Environ(), "INCEPTIONLAB_SGEMM_KERNEL=avx2")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the implicit-GEMM tests held to AVX2: %v\n%s", err, out)
	}
}

// TestConvBackwardDataFlippedMatchesCol2im checks the per-sample input gradient computed as the
// forward pass of the flipped convolution on dz (convBackwardDataFlipped, float32) against W^T dz
// followed by col2im in float64 (the path every other case takes), for 3x3 and 5x5 SAME convolutions
// over one and several k slices, an even kernel (asymmetric SAME padding), one and two workers, and
// two graphs sharing one packing of the flipped filters through a PackShare (each must get its own
// samples' gradient).
func TestConvBackwardDataFlippedMatchesCol2im(t *testing.T) {
	tests := []struct {
		name           string
		n, c, h, w, o  int
		k              int
		pt, pb, pl, pr int
	}{
		{"3x3 24x24", 2, 5, 24, 24, 7, 3, 1, 1, 1, 1},
		{"3x3 56x56 several slices", 2, 16, 56, 56, 40, 3, 1, 1, 1, 1},
		{"5x5 28x28", 3, 4, 28, 28, 9, 5, 2, 2, 2, 2},
		{"4x4 asymmetric SAME", 2, 3, 23, 25, 5, 4, 1, 2, 1, 2},
		{"1 output channel", 1, 6, 32, 20, 1, 3, 1, 1, 1, 1},
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := newConvGeom(conv2dOp{}, []int{tt.n, tt.c, tt.h, tt.w}, tt.o, tt.c, tt.k, 1, [4]int{tt.pt, tt.pb, tt.pl, tt.pr})
			if err != nil {
				t.Fatal(err)
			}
			if g.oh != g.h || g.ow != g.w || g.p() < convChunkCols {
				t.Fatalf("%s is not a per-sample SAME convolution (%dx%d -> %dx%d)", tt.name, g.h, g.w, g.oh, g.ow)
			}
			cb, _ := flippedGeom(g)
			if !kern.ConvImplicit[float32](cb) {
				t.Skip("no implicit GEMM on this back end")
			}
			w := randSlice(rng, g.o*g.ckk())
			dzs := [2][]float32{randSlice(rng, g.n*g.outSize()), randSlice(rng, g.n*g.outSize())}
			packs := NewPackShare()
			packs.Begin(2)
			var got [2][]float32
			par := make(chan int, 2)
			for i := range got {
				got[i] = make([]float32, g.n*g.inSize())
				go func(i int) {
					if !convBackwardDataFlipped(g, dzs[i], w, got[i], packs, &outSlot{}) {
						t.Error("convBackwardDataFlipped declined a stride-1 SAME convolution")
					}
					par <- i
				}(i)
			}
			<-par
			<-par
			w64 := make([]float64, len(w))
			for i, v := range w {
				w64[i] = float64(v)
			}
			for i := range got {
				dz64 := make([]float64, len(dzs[i]))
				for j, v := range dzs[i] {
					dz64[j] = float64(v)
				}
				want := make([]float64, len(got[i]))
				convBackwardData(g, dz64, w64, want, 1, false, nil, nil)
				got64 := make([]float64, len(got[i]))
				for j, v := range got[i] {
					got64[j] = float64(v)
				}
				assertClose(t, got64, want, 2e-5*math.Sqrt(float64(g.o*g.k*g.k)))
			}
		})
	}
}
