package ops

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
)

// The branching loops the kernels in op_select.go replace: the definitions they must agree with.

func reluBranchy[T opFloat](dst, src []T, bias T) {
	for i, v := range src {
		if v += bias; v > 0 {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func maskBranchy[T opFloat](y, dy, dz []T) {
	for i, v := range y {
		if v > 0 {
			dz[i] = dy[i]
		} else {
			dz[i] = 0
		}
	}
}

func applyMaskBranchy[T opFloat](mask []bool, scale float64, in, out []T) {
	for i, keep := range mask {
		if keep {
			out[i] = in[i] * T(scale)
		} else {
			out[i] = 0
		}
	}
}

// selectInputs returns n values: random normals mixed with the special cases (signed zeros,
// infinities, the smallest subnormals and the largest finite values of T).
func selectInputs[T opFloat](rng *rand.Rand, n int) []T {
	tiny, huge := math.SmallestNonzeroFloat64, math.MaxFloat64
	if _, ok := any(T(0)).(float32); ok {
		tiny, huge = math.SmallestNonzeroFloat32, math.MaxFloat32
	}
	specials := []T{0, T(math.Copysign(0, -1)), T(math.Inf(1)), T(math.Inf(-1)), T(tiny), T(-tiny), T(huge), T(-huge)}
	xs := make([]T, n)
	for i := range xs {
		if rng.IntN(4) == 0 {
			xs[i] = specials[rng.IntN(len(specials))]
		} else {
			xs[i] = T(rng.NormFloat64())
		}
	}
	return xs
}

// sameBits reports whether a and b are the same values, +0 and -0 told apart.
func sameBits[T opFloat](a, b T) bool {
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
}

func testSelect[T opFloat](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{0, 1, 2, 7, 17, 50, 64, 1001} { // 50: the vector ReLU gradient's 32-, 16- and tail paths
		x, dy := selectInputs[T](rng, n), selectInputs[T](rng, n)
		mask := make([]bool, n)
		for i := range mask {
			mask[i] = rng.IntN(3) > 0
		}
		for _, bias := range []T{0, 0.25, -0.25} {
			got, want := make([]T, n), make([]T, n)
			biasAct(got, x, bias, true)
			reluBranchy(want, x, bias)
			for i := range got {
				if !sameBits(got[i], want[i]) {
					t.Fatalf("n=%d bias=%v: relu(%v + bias) = %v, want %v", n, bias, x[i], got[i], want[i])
				}
			}
			biasAct(got, x, bias, false)
			for i := range got {
				if !sameBits(got[i], x[i]+bias) {
					t.Fatalf("n=%d bias=%v: %v + bias = %v without ReLU", n, bias, x[i], got[i])
				}
			}
		}
		got, want := make([]T, n+1), make([]T, n)
		got[n] = 42 // past the end: must stay
		maskPositive(x, dy, got[:n])
		maskBranchy(x, dy, want)
		for i := range want {
			if !sameBits(got[i], want[i]) {
				t.Fatalf("n=%d: ReLU gradient at y=%v dy=%v is %v, want %v", n, x[i], dy[i], got[i], want[i])
			}
		}
		if got[n] != 42 {
			t.Fatalf("n=%d: the ReLU gradient wrote past its output", n)
		}
		got = got[:n]
		applyMask(mask, 1/0.6, x, got)
		applyMaskBranchy(mask, 1/0.6, x, want)
		for i := range got {
			if !sameBits(got[i], want[i]) {
				t.Fatalf("n=%d: dropout of %v (keep %t) is %v, want %v", n, x[i], mask[i], got[i], want[i])
			}
		}
	}
	// NaN: passed through where its sign bit is clear, instead of becoming 0; never a panic.
	nan := T(math.NaN())
	out := make([]T, 1)
	biasAct(out, []T{nan}, 0, true)
	if !math.IsNaN(float64(out[0])) {
		t.Errorf("relu(NaN) = %v, want NaN", out[0])
	}
}

// TestBranchFreeSelectsMatchBranches checks the bit-mask kernels against the branching loops they
// replace, bit for bit (signed zeros included), for float32 and float64.
func TestBranchFreeSelectsMatchBranches(t *testing.T) {
	t.Run("float32", testSelect[float32])
	t.Run("float64", testSelect[float64])
}

// BenchmarkSelect compares the branch-free ReLU and ReLU gradient with the branching loops on
// activations with random signs (1M float32 values; the gradients on all cores, as in the op).
func BenchmarkSelect(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1 << 20
	x, dy, out := selectInputs[float32](rng, n), selectInputs[float32](rng, n), make([]float32, n)
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"relu/branchy", func() { reluBranchy(out, x, 0.1) }},
		{"relu/masked", func() { biasAct(out, x, 0.1, true) }},
		{"relugrad/branchy", func() {
			parallelRange(n, 1, func(lo, hi int) { maskBranchy(x[lo:hi], dy[lo:hi], out[lo:hi]) })
		}},
		{"relugrad/masked", func() { maskPositive(x, dy, out) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(n * 4))
			for i := 0; i < b.N; i++ {
				c.fn()
			}
		})
	}
}

// TestAVX2ReluGradAndAdd runs the AVX2 forms of the ReLU gradient and of col2im's run add directly
// (the process uses them only on CPUs without AVX-512, or with INCEPTIONLAB_SGEMM_KERNEL=avx2), against
// the Go loops, bit for bit, on lengths that are multiples of 8 (what their callers pass).
func TestAVX2ReluGradAndAdd(t *testing.T) {
	if runtime.GOARCH != "amd64" || !cpu.X86.HasAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{8, 64, 1000} {
		y, dy := selectInputs[float32](rng, n), selectInputs[float32](rng, n)
		got, want := make([]float32, n+1), make([]float32, n)
		got[n] = 42
		maskPositive32AVX2(&y[0], &dy[0], &got[0], n)
		maskBranchy(y, dy, want)
		for i := range want {
			if !sameBits(got[i], want[i]) {
				t.Fatalf("n=%d: AVX2 ReLU gradient at y=%v dy=%v is %v, want %v", n, y[i], dy[i], got[i], want[i])
			}
		}
		if got[n] != 42 {
			t.Fatalf("n=%d: the AVX2 ReLU gradient wrote past its output", n)
		}
		sum := append([]float32(nil), dy...)
		addTo32AVX2(&sum[0], &y[0], n)
		for i := range sum {
			if w := dy[i] + y[i]; !sameBits(sum[i], w) {
				t.Fatalf("n=%d: AVX2 add %v + %v = %v, want %v", n, dy[i], y[i], sum[i], w)
			}
		}
	}
}
