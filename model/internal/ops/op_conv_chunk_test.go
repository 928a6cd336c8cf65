package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveConvGrads is the adjoint of naiveConv (without bias and ReLU): dx and dw for output gradient dz.
func naiveConvGrads(g convGeom, x, wt, dz []float64) (dx, dw []float64) {
	dx = make([]float64, g.n*g.inSize())
	dw = make([]float64, g.o*g.ckk())
	for n := 0; n < g.n; n++ {
		for oc := 0; oc < g.o; oc++ {
			for i := 0; i < g.oh; i++ {
				for j := 0; j < g.ow; j++ {
					d := dz[((n*g.o+oc)*g.oh+i)*g.ow+j]
					for ic := 0; ic < g.c; ic++ {
						for kh := 0; kh < g.k; kh++ {
							for kw := 0; kw < g.k; kw++ {
								r, q := i*g.stride-g.pt+kh, j*g.stride-g.pl+kw
								if r < 0 || r >= g.h || q < 0 || q >= g.w {
									continue
								}
								xi, wi := ((n*g.c+ic)*g.h+r)*g.w+q, ((oc*g.c+ic)*g.k+kh)*g.k+kw
								dx[xi] += d * wt[wi]
								dw[wi] += d * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return dx, dw
}

// TestConvChunking runs the convolution kernels with every batching choice (per sample, partial chunks,
// the whole batch in one GEMM) and compares them with the naive loops. The graph-level tests only see the
// chunk size the op picks for their shapes.
func TestConvChunking(t *testing.T) {
	for _, tc := range []struct {
		n, c, h, w, o, k, stride int
		pad                      [4]int
	}{
		{5, 3, 4, 4, 6, 1, 1, [4]int{}},           // direct 1x1
		{5, 3, 5, 4, 4, 3, 1, [4]int{1, 1, 1, 1}}, // SAME 3x3
		{4, 2, 7, 6, 3, 3, 2, [4]int{0, 1, 0, 1}}, // asymmetric SAME, stride 2
		{3, 2, 9, 9, 2, 7, 2, [4]int{2, 3, 2, 3}}, // conv1-like
		{4, 3, 5, 5, 2, 1, 2, [4]int{}},           // 1x1 stride 2
		{3, 4, 1, 1, 5, 3, 1, [4]int{1, 1, 1, 1}}, // 1x1 map, 3x3 kernel
		{2, 2, 6, 5, 3, 5, 1, [4]int{2, 2, 2, 2}}, // SAME 5x5
		{2, 2, 2, 3, 3, 5, 1, [4]int{2, 2, 2, 2}}, // 5x5 kernel larger than the map
		{2, 3, 5, 6, 2, 3, 1, [4]int{0, 0, 0, 0}}, // VALID 3x3 (rows narrower than the input)
	} {
		g, err := newConvGeom(conv2dOp{}, []int{tc.n, tc.c, tc.h, tc.w}, tc.o, tc.c, tc.k, tc.stride, tc.pad)
		if err != nil {
			t.Fatal(err)
		}
		x := randData(1, g.n*g.inSize())
		wt := randData(2, g.o*g.ckk())
		b := randData(3, g.o)
		dz := randData(4, g.n*g.outSize())
		wantY, _, _ := naiveConv(x, g.n, g.c, g.h, g.w, wt, g.o, g.k, b, g.stride, tc.pad, true)
		wantDx, wantDw := naiveConvGrads(g, x, wt, dz)
		for _, s := range []int{1, 2, 3, g.n} {
			for _, keep := range []bool{false, true} {
				name := fmt.Sprintf("%dx%dx%dx%d_o%d_k%d_s%d_pad%v/chunk%d", g.n, g.c, g.h, g.w, g.o, g.k, g.stride, tc.pad, s)
				if keep {
					name += "/cached-columns"
				}
				t.Run(name, func(t *testing.T) {
					var cols []float64
					if keep { // the forward pass builds every chunk's columns there, the filter gradient reads them
						cols = make([]float64, g.ckk()*g.p()*g.n)
						for i := range cols {
							cols[i] = 1e300
						}
					}
					y := make([]float64, len(wantY))
					for i := range y {
						y[i] = 1e300 // stale contents must be overwritten
					}
					convForward(g, x, wt, b, y, true, s, cols, nil)
					assertClose(t, y, wantY, 1e-12)
					xIn := x
					if keep && s > 1 {
						xIn = make([]float64, len(x)) // the columns, not x, must be what is read
					}
					layouts := []bool{false}
					if s > 1 {
						layouts = append(layouts, true) // dz as convDzOp writes it
					}
					for _, chunked := range layouts {
						dzIn := dz
						if chunked {
							dzIn = make([]float64, len(dz))
							chunkDz(nil, dz, dzIn, g.n, g.o, g.p(), s)
						}
						dx := make([]float64, len(wantDx))
						convBackwardData(g, dzIn, wt, dx, s, chunked, nil, nil)
						assertClose(t, dx, wantDx, 1e-12)
						dw := make([]float64, len(wantDw))
						for i := range dw {
							dw[i] = 1e300
						}
						convBackwardFilter(g, xIn, dzIn, dw, s, chunked, cols)
						assertClose(t, dw, wantDw, 1e-12)
						wantDb, db := make([]float64, g.o), make([]float64, g.o)
						sumChannels(dz, wantDb, g.n, g.o, g.p())
						if chunked {
							sumChannelsChunked(dzIn, db, g.n, g.o, g.p(), s)
						} else {
							sumChannels(dzIn, db, g.n, g.o, g.p())
						}
						assertClose(t, db, wantDb, 1e-12)
					}
				})
			}
		}
	}
}

func TestConvChunkChoice(t *testing.T) {
	for _, tc := range []struct{ n, oh, ow, want int }{
		{16, 112, 112, 1}, {16, 23, 23, 1}, {16, 7, 7, 11}, {128, 2, 2, 128}, {64, 1, 1, 64}, {3, 1, 1, 3},
	} {
		g := convGeom{n: tc.n, oh: tc.oh, ow: tc.ow}
		if got := g.chunk(); got != tc.want {
			t.Errorf("chunk for batch %d, map %dx%d = %d, want %d", tc.n, tc.oh, tc.ow, got, tc.want)
		}
	}
}

// TestColBudgetTake checks the column-cache budget's bookkeeping.
func TestColBudgetTake(t *testing.T) {
	b := &colBudget{left: 100}
	if !b.take(60) || b.take(41) || !b.take(40) || b.left != 0 {
		t.Errorf("budget of 100: take(60), take(41), take(40) left %d", b.left)
	}
}

// TestCol2imChunkBitIdentical checks col2imChunk's gather (tapSources) against the scatter into a
// cleared padded plane it replaced, bit for bit in float32, for odd and even maps, kernels 3, 5 and 7,
// strides 1 and 2, asymmetric padding, partial chunks and maps smaller than the kernel.
func TestCol2imChunkBitIdentical(t *testing.T) {
	for _, c := range []struct {
		h, w, k, stride int
		pad             [4]int
	}{
		{3, 3, 3, 1, [4]int{1, 1, 1, 1}}, {6, 6, 3, 1, [4]int{1, 1, 1, 1}}, {6, 6, 5, 1, [4]int{2, 2, 2, 2}},
		{2, 2, 5, 1, [4]int{2, 2, 2, 2}}, {1, 1, 3, 1, [4]int{1, 1, 1, 1}}, {12, 12, 7, 2, [4]int{3, 3, 3, 3}},
		{7, 5, 3, 2, [4]int{0, 1, 1, 0}}, {4, 4, 3, 1, [4]int{0, 2, 2, 0}},
	} {
		t.Run(fmt.Sprintf("%dx%d_k%d_s%d_pad%v", c.h, c.w, c.k, c.stride, c.pad), func(t *testing.T) {
			const n, ch = 5, 3
			g, err := newConvGeom(conv2dOp{}, []int{n, ch, c.h, c.w}, 2, ch, c.k, c.stride, c.pad)
			if err != nil {
				t.Fatal(err)
			}
			p, kk := g.p(), g.k*g.k
			for _, ns := range []int{1, 3} {
				n0 := n - ns
				ld := ns * p
				dcol := noisy32(uint64(ns), ch*kk*ld)
				got := noisy32(99, n*g.inSize()) // every value of the chunk's samples is overwritten
				want := append([]float32(nil), got...)
				col2imChunk(g, dcol, n0, ns, got)
				tbl, wp := tapTable(g), g.padW()
				pad := make([]float32, g.padSize())
				for cc := 0; cc < ch; cc++ {
					for j := 0; j < ns; j++ {
						clear(pad)
						for tap := 0; tap < kk; tap++ {
							row := dcol[(cc*kk+tap)*ld+j*p:][:p]
							for i, s := range tbl[tap*p : (tap+1)*p] {
								pad[s] += row[i]
							}
						}
						plane := want[(n0+j)*g.inSize()+cc*g.h*g.w:][:g.h*g.w]
						for r := 0; r < g.h; r++ {
							copy(plane[r*g.w:(r+1)*g.w], pad[(r+g.pt)*wp+g.pl:][:g.w])
						}
					}
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("chunk of %d: dx[%d] = %v, scatter %v", ns, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestCol2imMatchesScatter checks the per-sample col2im of large maps (its runs added in vector adds
// where the CPU has them) against the scatter of every column entry into a cleared padded plane in tap
// order, bit for bit in float32: SAME 3x3 and 5x5, asymmetric padding, rows not a multiple of 16,
// stride 2.
func TestCol2imMatchesScatter(t *testing.T) {
	for _, c := range []struct {
		h, w, k, stride int
		pad             [4]int
	}{
		{28, 28, 3, 1, [4]int{1, 1, 1, 1}}, {23, 30, 5, 1, [4]int{2, 2, 2, 2}}, {40, 19, 3, 1, [4]int{0, 2, 1, 1}},
		{48, 48, 3, 2, [4]int{1, 1, 1, 1}}, {24, 70, 1, 1, [4]int{1, 0, 0, 1}},
	} {
		t.Run(fmt.Sprintf("%dx%d_k%d_s%d_pad%v", c.h, c.w, c.k, c.stride, c.pad), func(t *testing.T) {
			const ch = 3
			g, err := newConvGeom(conv2dOp{}, []int{1, ch, c.h, c.w}, 2, ch, c.k, c.stride, c.pad)
			if err != nil {
				t.Fatal(err)
			}
			p, kk := g.p(), g.k*g.k
			if p < convChunkCols {
				t.Fatalf("%d positions: col2imChunk's geometry, not col2im's", p)
			}
			dcol := noisy32(7, ch*kk*p)
			got := noisy32(99, g.inSize()) // every value is overwritten
			col2im(g, dcol, got)
			tbl, wp := tapTable(g), g.padW()
			pad := make([]float32, g.padSize())
			want := make([]float32, g.inSize())
			for cc := 0; cc < ch; cc++ {
				clear(pad)
				for tap := 0; tap < kk; tap++ {
					row := dcol[(cc*kk+tap)*p:][:p]
					for i, s := range tbl[tap*p : (tap+1)*p] {
						pad[s] += row[i]
					}
				}
				plane := want[cc*g.h*g.w:][:g.h*g.w]
				for r := 0; r < g.h; r++ {
					copy(plane[r*g.w:(r+1)*g.w], pad[(r+g.pt)*wp+g.pl:][:g.w])
				}
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("dx[%d] = %v, scatter %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestInferChunk checks the inference graphs' chunk choice: the fewest padding columns in the chunks'
// last panels, from chunk()'s samples up to four times as many, and per-sample maps left alone.
func TestInferChunk(t *testing.T) {
	for _, tt := range []struct{ n, h, train, infer int }{
		{8, 14, 3, 8},   // 14x14: 3+3+2 samples pad 64 columns, 8 samples none
		{4, 14, 3, 4},   // 4 samples: 784 columns pad 16, 3+1 pad 48
		{8, 7, 8, 8},    // 7x7: every sample in one chunk already
		{64, 7, 11, 32}, // 7x7, 64 samples: chunks of 32 are 49 panels each
		{8, 16, 2, 2},   // 16x16: 512 columns, no padding
		{8, 8, 8, 8},    // 8x8
		{16, 10, 6, 8},  // 10x10: 800 columns = 25 panels
		{8, 28, 1, 1},   // 28x28: per sample
		{1, 14, 1, 1},   // one sample
	} {
		g, err := newConvGeom(conv2dOp{}, []int{tt.n, 2, tt.h, tt.h}, 3, 2, 1, 1, [4]int{})
		if err != nil {
			t.Fatal(err)
		}
		if got := g.chunk(); got != tt.train {
			t.Errorf("n=%d %dx%d: chunk() = %d, want %d", tt.n, tt.h, tt.h, got, tt.train)
		}
		if got := g.inferChunk(); got != tt.infer {
			t.Errorf("n=%d %dx%d: inferChunk() = %d, want %d", tt.n, tt.h, tt.h, got, tt.infer)
		}
	}
}

// TestConvForwardSameBitsForAnyChunk checks that a batched forward convolution gives the same bits
// whatever the number of samples per GEMM (inference graphs take inferChunk, training ones chunk), for
// 1x1, 3x3 and 5x5 kernels on 14x14 and 7x7 maps, several k slices, with and without ReLU.
func TestConvForwardSameBitsForAnyChunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, tt := range []struct{ n, c, h, o, k int }{{8, 24, 14, 20, 1}, {8, 40, 14, 13, 3}, {5, 12, 14, 9, 5}, {8, 300, 7, 14, 1}} {
		pad := (tt.k - 1) / 2
		g, err := newConvGeom(conv2dOp{}, []int{tt.n, tt.c, tt.h, tt.h}, tt.o, tt.c, tt.k, 1, [4]int{pad, pad, pad, pad})
		if err != nil {
			t.Fatal(err)
		}
		x, w, b := randSlice(rng, tt.n*g.inSize()), randSlice(rng, tt.o*g.ckk()), randSlice(rng, tt.o)
		for _, relu := range []bool{false, true} {
			want := make([]float32, tt.n*g.outSize())
			convForward(g, x, w, b, want, relu, g.chunk(), nil, nil)
			for s := 2; s <= tt.n; s++ {
				got := make([]float32, len(want))
				convForward(g, x, w, b, got, relu, s, nil, nil)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%+v relu=%t: %d samples per GEMM: y[%d] = %v, %d per GEMM: %v", tt, relu, s, i, got[i], g.chunk(), want[i])
					}
				}
			}
		}
	}
}
