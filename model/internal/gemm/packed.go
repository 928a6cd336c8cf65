package gemm

import (
	"fmt"
	"math"
	"runtime"

	"inceptionlab/model/internal/par"
)

// PackedA is op(A) (m x k), scaled by alpha, packed once for several products with different B: a
// convolution multiplies the same filters by every sample's (or chunk's) columns, and repacking them
// for each product cost ~5% of a training step at 224x16. Only the pure-Go float32 GEMM has a packed
// form; for the other back ends (and float64) a PackedA keeps the operand and GemmPacked calls
// GemmPar. A PackedA is read-only after PackA, so concurrent GemmPacked calls may share it; Release
// returns its buffer.
type PackedA[T Float] struct {
	tA    bool
	m, k  int
	alpha T
	a     []T
	lda   int
	uk    sgemmMicro
	buf   *[]float32 // the packed panels, nil when the back end has no packed form
}

// PackA packs alpha*op(A) for GemmPacked: per sgemmKC-deep slice of k, in order, the sgemmMR-row panels
// of all m rows, exactly as sgemmPackedPar packs them for one product (so the results are the same bits).
func PackA[T Float](tA bool, m, k int, alpha T, a []T, lda int) *PackedA[T] {
	pa := &PackedA[T]{tA: tA, m: m, k: k, alpha: alpha, a: a, lda: lda}
	a32, ok := any(a).([]float32)
	uk := activeBLAS().kernel
	if !ok || uk == nil || m == 0 || k == 0 || alpha == 0 {
		return pa
	}
	checkGemm(tA, false, m, 1, k, len(a), lda, k, 1, m, 1)
	pa.uk = *uk
	aPanels := (m + sgemmMR - 1) / sgemmMR
	pa.buf = getScratch[float32](aPanels * sgemmMR * k)
	buf := *pa.buf
	parts := 1
	if m*k >= packParMin {
		parts = min(runtime.GOMAXPROCS(0), aPanels)
	}
	// Part i packs the row panels [i*aPanels/parts, (i+1)*aPanels/parts) of every k slice: the same
	// values to the same places whichever goroutine writes them.
	par.Do(parts, func(i int) {
		lo, hi := i*aPanels/parts, (i+1)*aPanels/parts
		i0, mc := lo*sgemmMR, min(hi*sgemmMR, m)-lo*sgemmMR
		for p0 := 0; p0 < k; p0 += sgemmKC {
			kc := min(sgemmKC, k-p0)
			packA(tA, a32, lda, i0, mc, p0, kc, float32(alpha), buf[p0*aPanels*sgemmMR+i0*kc:])
		}
	})
	return pa
}

// packParMin is the least size (m*k values) of an operand PackA packs on several cores. The filters
// are packed in the tape machine's goroutine before a convolution's parallel GEMM starts, so a large
// pack on one core left the other idle (0.7% of a 224x16 training step's CPU time); below this size
// handing half to another core costs more than it saves.
const packParMin = 1 << 15

// Release returns the packed panels to the scratch pool; pa must not be used after.
func (pa *PackedA[T]) Release() {
	if pa.buf != nil {
		putScratch(pa.buf)
		pa.buf = nil
	}
}

// GemmPacked computes C = op(A)*op(B) + beta*C (alpha is in pa) with op(A) packed by PackA, on up to
// workers goroutines (see GemmPar); op(B) is pa.k x n.
func GemmPacked[T Float](pa *PackedA[T], workers int, tB bool, n int, b []T, ldb int, beta T, c []T, ldc int) {
	if pa.buf == nil || pa.m == 0 || n == 0 {
		gemmPar(workers, pa.tA, tB, pa.m, n, pa.k, pa.alpha, pa.a, pa.lda, b, ldb, beta, c, ldc)
		return
	}
	b32, c32 := any(b).([]float32), any(c).([]float32)
	checkGemm(pa.tA, tB, pa.m, n, pa.k, len(pa.a), pa.lda, len(b32), ldb, len(c32), ldc)
	sgemmPackedParA(pa.uk, max(workers, 1), pa.tA, tB, pa.m, n, pa.k, float32(pa.alpha), nil, pa.lda, *pa.buf, b32, ldb, float32(beta), c32, ldc)
}

// GemmPackedBiasAct computes C = relu?(op(A)*op(B) + bias) with op(A) packed by PackA (alpha is in pa),
// bias[i] added to every element of row i: a convolution's output with its bias and ReLU. The pure-Go
// float32 GEMM applies them to each tile of C right after its last k slice, while the tile is in the L1
// cache, instead of in a second pass over C (~3% of a 224x16 training step). The result is bit for bit
// GemmPacked's followed by BiasAct on each row.
func GemmPackedBiasAct[T Float](pa *PackedA[T], workers int, tB bool, n int, b []T, ldb int, c []T, ldc int, bias []T, relu bool) {
	if len(bias) < pa.m {
		panic(fmt.Sprintf("model: gemm: bias has %d values for %d rows", len(bias), pa.m))
	}
	if pa.buf == nil || pa.m == 0 || n == 0 || pa.k == 0 {
		GemmPacked(pa, workers, tB, n, b, ldb, 0, c, ldc)
		for i := 0; i < pa.m; i++ {
			row := c[i*ldc : i*ldc+n]
			BiasAct(row, row, bias[i], relu)
		}
		return
	}
	b32, c32 := any(b).([]float32), any(c).([]float32)
	checkGemm(pa.tA, tB, pa.m, n, pa.k, len(pa.a), pa.lda, len(b32), ldb, len(c32), ldc)
	sgemmPackedParE(pa.uk, max(workers, 1), pa.tA, tB, pa.m, n, pa.k, float32(pa.alpha), nil, pa.lda, *pa.buf, b32, ldb, 0, c32, ldc,
		epilogue{bias: any(bias).([]float32)[:pa.m], relu: relu}, 0, 0)
}

// epilogueAVX512 says biasRelu32 may use AVX-512 (AVX512, read once: it looks at the environment).
var epilogueAVX512 = AVX512()

// epilogueAVX2 reports whether biasReluAVX2 runs instead (AVX2 and no AVX-512, or held to AVX2).
var epilogueAVX2 = !epilogueAVX512 && hasSgemmKernel

// BiasAct sets dst = relu?(src + bias); dst and src may be the same slice. A ReLU of a negative value,
// of -0 and of +0 is +0; a NaN passes through.
func BiasAct[T Float](dst, src []T, bias T, relu bool) {
	dst = dst[:len(src)]
	if !relu {
		for i, v := range src {
			dst[i] = v + bias
		}
		return
	}
	switch d := any(dst).(type) {
	case []float32:
		biasRelu32(d, any(src).([]float32), any(bias).(float32))
	case []float64:
		s, b := any(src).([]float64), any(bias).(float64)
		for i, v := range s {
			u := math.Float64bits(v + b)
			d[i] = math.Float64frombits(u &^ uint64(int64(u)>>63))
		}
	}
}

// biasRelu32 is BiasAct's float32 ReLU loop: the sign bit set clears the value (an all-ones mask). On
// AVX-512 (unless held to AVX2) runs of 8 or more go through biasReluAVX512, the same bits 16 at a time:
// the loop below was ~9% of a 224x16 inference, run on every tile the GEMM finishes.
func biasRelu32(dst, src []float32, b float32) {
	dst = dst[:len(src)]
	if len(src) >= 8 && epilogueAVX512 {
		biasReluAVX512(&dst[0], &src[0], len(src), b)
		return
	}
	if n8 := len(src) &^ 7; n8 > 0 && epilogueAVX2 {
		biasReluAVX2(&dst[0], &src[0], n8, b)
		dst, src = dst[n8:], src[n8:]
	}
	for i, v := range src {
		u := math.Float32bits(v + b)
		dst[i] = math.Float32frombits(u &^ uint32(int32(u)>>31))
	}
}

// GemmPackedSamples computes C = op(A)*B + beta*C with op(A) packed by PackA, where B (pa.k x ns*p) holds
// ns samples side by side: column j*p+q, row r of B is x[j*stride + r*p + q]. That is the column matrix
// of a 1x1 convolution over ns consecutive NCHW samples (p positions each, stride values apart), which
// the pure-Go float32 GEMM packs straight from the input instead of gathering it into a matrix first
// (the gather was ~9% of a 32x128 inference). Bit for bit GemmPacked on the gathered matrix.
func GemmPackedSamples[T Float](pa *PackedA[T], workers, ns, p int, x []T, stride int, beta T, c []T, ldc int) {
	n := ns * p
	checkSamples(ns, pa.k, p, stride, len(x))
	if pa.buf == nil || pa.m == 0 || n == 0 || pa.k == 0 {
		bBuf := getScratch[T](pa.k * n)
		defer putScratch(bBuf)
		b := *bBuf
		for r := 0; r < pa.k; r++ {
			for j := 0; j < ns; j++ {
				copy(b[r*n+j*p:][:p], x[j*stride+r*p:][:p])
			}
		}
		GemmPacked(pa, workers, false, n, b, n, beta, c, ldc)
		return
	}
	c32 := any(c).([]float32)
	checkGemm(pa.tA, false, pa.m, n, pa.k, len(pa.a), pa.lda, pa.k*n, n, len(c32), ldc)
	sgemmPackedParE(pa.uk, max(workers, 1), pa.tA, false, pa.m, n, pa.k, float32(pa.alpha), nil, pa.lda, *pa.buf, any(x).([]float32), 0, float32(beta), c32, ldc,
		epilogue{}, p, stride)
}

// checkSamples panics unless ns samples of k x p values, stride values apart, fit in have values.
func checkSamples(ns, k, p, stride, have int) {
	if ns > 0 && (p < 1 || stride < k*p || have < (ns-1)*stride+k*p) {
		panic(fmt.Sprintf("model: gemm: %d samples of %d x %d values, %d apart, do not fit in %d values", ns, k, p, stride, have))
	}
}

// GemmPackedToSamples computes a batched convolution's output: relu?(op(A)*B + bias), row i of the
// product plus bias[i], with column j*p+q stored at y[j*outSize + i*p + q] (position q of output
// channel i of sample j, NCHW). B is pa.k x n (n a multiple of p) with leading dimension ldb when x is
// nil; else it holds samples side by side as in GemmPackedSamples (x, xStride; b and ldb unused). c
// (pa.m x n, leading dimension n) is scratch for the k slices before the last. The pure-Go float32 GEMM
// writes each finished tile straight to y; the result is bit for bit the product into c followed by
// BiasAct from c into y. With bias nil the product is stored as it is (relu must be false): a batched
// 1x1 convolution's input gradient.
func GemmPackedToSamples[T Float](pa *PackedA[T], workers, n int, b []T, ldb int, x []T, xStride int, c []T, y []T, p, outSize int, bias []T, relu bool) {
	if bias == nil && relu {
		panic("model: gemm: a ReLU needs a bias")
	}
	if p < 1 || n%p != 0 || (bias != nil && len(bias) < pa.m) || outSize < pa.m*p || (n > 0 && len(y) < (n/p-1)*outSize+pa.m*p) {
		panic(fmt.Sprintf("model: gemm: %d columns of %d-position samples (%d apart) into %d values, %d biases for %d rows", n, p, outSize, len(y), len(bias), pa.m))
	}
	ns := n / p
	if pa.buf == nil || pa.m == 0 || n == 0 || pa.k == 0 {
		if x != nil {
			GemmPackedSamples(pa, workers, ns, p, x, xStride, 0, c, n)
		} else {
			GemmPacked(pa, workers, false, n, b, ldb, 0, c, n)
		}
		for j := 0; j < ns; j++ {
			for i := 0; i < pa.m; i++ {
				if bias == nil {
					copy(y[j*outSize+i*p:][:p], c[i*n+j*p:][:p])
					continue
				}
				BiasAct(y[j*outSize+i*p:][:p], c[i*n+j*p:][:p], bias[i], relu)
			}
		}
		return
	}
	c32 := any(c).([]float32)
	epi := epilogue{relu: relu, y: any(y).([]float32), p: p, outSize: outSize}
	if bias != nil {
		epi.bias = any(bias).([]float32)[:pa.m]
	}
	var b32 []float32
	ld, sp := ldb, 0
	if x != nil { // B packed from the samples
		checkSamples(ns, pa.k, p, xStride, len(x))
		checkGemm(pa.tA, false, pa.m, n, pa.k, len(pa.a), pa.lda, pa.k*n, n, len(c32), n)
		b32, ld, sp = any(x).([]float32), 0, p
	} else {
		b32 = any(b).([]float32)
		checkGemm(pa.tA, false, pa.m, n, pa.k, len(pa.a), pa.lda, len(b32), ldb, len(c32), n)
	}
	sgemmPackedParE(pa.uk, max(workers, 1), pa.tA, false, pa.m, n, pa.k, float32(pa.alpha), nil, pa.lda, *pa.buf, b32, ld, 0, c32, n, epi, sp, xStride)
}
