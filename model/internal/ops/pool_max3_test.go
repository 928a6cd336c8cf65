package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestMaxPool3FlatMatchesPlanes checks the vector 3x3 max pool against the plane-by-plane Go kernel,
// values and argmaxes (as int32, as uint16, and none) bit for bit, on the network's pool geometries and odd ones (every SAME padding
// of stride 1 and 2, unpadded, planes from 1x1 to wider than a vector, plane counts that leave partial
// blocks and partial vectors), on inputs full of ties, signed zeros, negative maxima and -Inf.
func TestMaxPool3FlatMatchesPlanes(t *testing.T) {
	if !hasAVX512Kernels {
		t.Skip("AVX-512 kernels off (CPU without AVX-512, or INCEPTIONLAB_SGEMM_KERNEL=avx2)")
	}
	geos := maxPool3TestGeos()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, gg := range geos {
		for _, nc := range [][2]int{{1, 1}, {2, 3}, {3, 37}} {
			g, err := newMaxPoolGeom(maxPoolOp{}, []int{nc[0], nc[1], gg.h, gg.w}, 3, gg.stride, gg.pad)
			if err != nil {
				t.Fatal(err)
			}
			if !useMaxPool3(g) {
				continue
			}
			t.Run(fmt.Sprintf("n%d_c%d_%dx%d_s%d_p%v", nc[0], nc[1], gg.h, gg.w, gg.stride, gg.pad), func(t *testing.T) {
				x := maxPool3TestInput(rng, g)
				n := g.n * g.c * g.oh * g.ow
				want, wantIdx := make([]float32, n), make([]int32, n)
				maxPoolPlanes(g, x, want, wantIdx)
				got, gotIdx := make([]float32, n), make([]int32, n)
				maxPool3Flat(g, x, got, gotIdx, nil)
				noIdx := make([]float32, n)
				maxPool3Flat(g, x, noIdx, nil, nil)
				withShort, short := make([]float32, n), make([]uint16, n)
				maxPool3Flat(g, x, withShort, nil, short)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && got[i] != want[i] || gotIdx[i] != wantIdx[i] || math.Float32bits(noIdx[i]) != math.Float32bits(got[i]) {
						t.Fatalf("output %d: %v at %d (without argmaxes %v), plane kernel %v at %d", i, got[i], gotIdx[i], noIdx[i], want[i], wantIdx[i])
					}
					if math.Float32bits(withShort[i]) != math.Float32bits(got[i]) || int32(short[i]) != wantIdx[i] {
						t.Fatalf("output %d with uint16 argmaxes: %v at %d, plane kernel %v at %d", i, withShort[i], short[i], want[i], wantIdx[i])
					}
				}
			})
		}
	}
}

// TestMaxPool3FlatNaN checks that a NaN anywhere in a window makes that output NaN, with and without
// the window positions (the inference kernels find NaNs their own way), at every tap of the window: the
// windows around the centre of a 5x5 plane see its NaN at each of their nine taps.
func TestMaxPool3FlatNaN(t *testing.T) {
	if !hasAVX512Kernels {
		t.Skip("AVX-512 kernels off (CPU without AVX-512, or INCEPTIONLAB_SGEMM_KERNEL=avx2)")
	}
	checkMaxPool3NaN(t, func(g poolGeom, x, y []float32, idx []int32) { maxPool3Flat(g, x, y, idx, nil) })
}

// maxPool3TestInput returns an input for g full of ties, signed zeros, negative maxima and -Inf.
func maxPool3TestInput(rng *rand.Rand, g poolGeom) []float32 {
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, -0.5, float32(math.Inf(-1)), 2}
	x := make([]float32, g.n*g.c*g.h*g.w)
	for i := range x {
		switch rng.IntN(3) {
		case 0:
			x[i] = vals[rng.IntN(len(vals))]
		default:
			x[i] = rng.Float32()*4 - 3
		}
	}
	return x
}

// checkMaxPool3NaN checks that pool (a flat kernel: y, and idx when not nil) makes every output whose
// window holds a NaN NaN, with and without window positions, at every tap of the window: the windows
// around the centre of a 5x5 plane see its NaN at each of their nine taps.
func checkMaxPool3NaN(t *testing.T, pool func(g poolGeom, x, y []float32, idx []int32)) {
	t.Helper()
	g, err := newMaxPoolGeom(maxPoolOp{}, []int{1, 1, 5, 5}, 3, 1, [4]int{1, 1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 25)
	for i := range x {
		x[i] = float32(i%7) - 3 // NaN must win over larger and smaller values alike
	}
	x[12] = float32(math.NaN()) // the centre: every window but the corners' sees it
	for _, withIdx := range []bool{false, true} {
		y := make([]float32, 25)
		var idx []int32
		if withIdx {
			idx = make([]int32, 25)
		}
		pool(g, x, y, idx)
		for i, v := range y {
			r, c := i/5, i%5
			if near := r >= 1 && r <= 3 && c >= 1 && c <= 3; near != math.IsNaN(float64(v)) {
				t.Errorf("positions %t: output (%d,%d) = %v; NaN expected: %t", withIdx, r, c, v, near)
			}
		}
	}
}

// maxPool3TestGeo is one pool geometry of the vector kernels' tests.
type maxPool3TestGeo struct {
	h, w, stride int
	pad          [4]int
}

// maxPool3TestGeos are the network's pool geometries and odd ones: every SAME padding of stride 1 and
// 2, unpadded, planes from 1x1 to wider than a vector.
func maxPool3TestGeos() []maxPool3TestGeo {
	type geo = maxPool3TestGeo
	var geos []geo
	for _, hw := range [][2]int{{1, 1}, {2, 2}, {4, 4}, {7, 7}, {8, 8}, {14, 14}, {16, 16}, {28, 28}, {3, 5}, {5, 17}, {33, 9}, {56, 56}} {
		h, w := hw[0], hw[1]
		geos = append(geos, geo{h, w, 1, [4]int{1, 1, 1, 1}})
		pt, pb := samePad3s2(h)
		pl, pr := samePad3s2(w)
		geos = append(geos, geo{h, w, 2, [4]int{pt, pb, pl, pr}})
		if h >= 3 && w >= 3 {
			geos = append(geos, geo{h, w, 1, [4]int{}}, geo{h, w, 2, [4]int{}}, geo{h, w, 1, [4]int{0, 1, 2, 0}})
		}
	}
	return geos
}

// TestMaxPool3FlatAVX2MatchesPlanes checks the AVX2 pool (what CPUs without AVX-512 run; called
// directly here, whichever the process picked) against the plane-by-plane Go kernel, values (bit for
// bit against the AVX-512 kernel where it runs) and window positions (as int32 and uint16, exactly),
// on the geometries and inputs of TestMaxPool3FlatMatchesPlanes, and NaN at every tap.
func TestMaxPool3FlatAVX2MatchesPlanes(t *testing.T) {
	if runtime.GOARCH != "amd64" || !cpu.X86.HasAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 9))
	for _, gg := range maxPool3TestGeos() {
		for _, nc := range [][2]int{{1, 1}, {2, 3}, {3, 37}} {
			g, err := newMaxPoolGeom(maxPoolOp{}, []int{nc[0], nc[1], gg.h, gg.w}, 3, gg.stride, gg.pad)
			if err != nil {
				t.Fatal(err)
			}
			if !maxPool3Geometry(g) {
				continue
			}
			x := maxPool3TestInput(rng, g)
			n := g.n * g.c * g.oh * g.ow
			want, idx := make([]float32, n), make([]int32, n)
			maxPoolPlanes(g, x, want, idx)
			got := make([]float32, n+1)
			got[n] = 42 // past the end: must stay
			maxPool3FlatAVX2(g, x, got[:n], nil, nil)
			var wide []float32 // the AVX-512 kernel's, where it runs: the same bits
			if hasAVX512Kernels {
				wide = make([]float32, n)
				maxPool3Flat(g, x, wide, nil, nil)
			}
			for i := range want {
				// The plane kernel's max gives +0 for a tie of -0 and +0; the vector kernels keep the
				// first, as the argmax does. Values otherwise agree bit for bit.
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && got[i] != want[i] || wide != nil && math.Float32bits(got[i]) != math.Float32bits(wide[i]) {
					t.Fatalf("%+v n%d c%d: output %d = %v, plane kernel %v", gg, nc[0], nc[1], i, got[i], want[i])
				}
			}
			if got[n] != 42 {
				t.Fatalf("%+v n%d c%d: wrote past the output", gg, nc[0], nc[1])
			}
			// With window positions (training), as int32 and as uint16: the plane kernel's exactly.
			withIdx, gotIdx := make([]float32, n), make([]int32, n+1)
			gotIdx[n] = 42
			maxPool3FlatAVX2(g, x, withIdx, gotIdx[:n], nil)
			withShort, short := make([]float32, n), make([]uint16, n+1)
			short[n] = 42
			maxPool3FlatAVX2(g, x, withShort, nil, short[:n])
			for i := range want {
				if math.Float32bits(withIdx[i]) != math.Float32bits(got[i]) || gotIdx[i] != idx[i] ||
					math.Float32bits(withShort[i]) != math.Float32bits(got[i]) || int32(short[i]) != idx[i] {
					t.Fatalf("%+v n%d c%d: output %d = %v at %d (uint16 %v at %d), plane kernel %v at %d", gg, nc[0], nc[1], i, withIdx[i], gotIdx[i], withShort[i], short[i], want[i], idx[i])
				}
			}
			if gotIdx[n] != 42 || short[n] != 42 {
				t.Fatalf("%+v n%d c%d: positions written past the output", gg, nc[0], nc[1])
			}
		}
	}
	checkMaxPool3NaN(t, func(g poolGeom, x, y []float32, idx []int32) { maxPool3FlatAVX2(g, x, y, idx, nil) })
}

// BenchmarkMaxPool3 compares the vector 3x3 max pool (flat) with the plane-by-plane Go kernel (planes)
// on pools of the paper's network at 224x16 and 64x64, argmaxes recorded.
func BenchmarkMaxPool3(b *testing.B) {
	for _, c := range []struct{ n, c, hw, stride int }{
		{16, 64, 112, 2}, {16, 256, 28, 1}, {16, 528, 14, 1}, {64, 192, 16, 2}, {64, 480, 4, 1}, {64, 832, 2, 1},
	} {
		pt, pb := 1, 1
		if c.stride == 2 {
			pt, pb = samePad3s2(c.hw)
		}
		g, err := newMaxPoolGeom(maxPoolOp{}, []int{c.n, c.c, c.hw, c.hw}, 3, c.stride, [4]int{pt, pb, pt, pb})
		if err != nil {
			b.Fatal(err)
		}
		x := make([]float32, g.n*g.c*g.h*g.w)
		for i := range x {
			x[i] = float32(i*7919%1000) - 500
		}
		n := g.n * g.c * g.oh * g.ow
		y, idx := make([]float32, n), make([]int32, n)
		name := fmt.Sprintf("%dx%dx%d_s%d", c.c, c.hw, c.hw, c.stride)
		b.Run(name+"/planes", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				maxPoolPlanes(g, x, y, idx)
			}
		})
		if cpu.X86.HasAVX2 && maxPool3Geometry(g) {
			b.Run(name+"/avx2-noidx", func(b *testing.B) { // inference without AVX-512
				for i := 0; i < b.N; i++ {
					maxPool3FlatAVX2(g, x, y, nil, nil)
				}
			})
		}
		if useMaxPool3(g) {
			b.Run(name+"/flat", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					maxPool3Flat(g, x, y, idx, nil)
				}
			})
			b.Run(name+"/flat-noidx", func(b *testing.B) { // inference: no window positions
				for i := 0; i < b.N; i++ {
					maxPool3Flat(g, x, y, nil, nil)
				}
			})
		}
	}
}

// samePad3s2 is TensorFlow's SAME padding (before, after) of a 3-wide window at stride 2 over n values.
func samePad3s2(n int) (before, after int) {
	out := (n + 1) / 2
	total := max((out-1)*2+3-n, 0)
	return total / 2, total - total/2
}
