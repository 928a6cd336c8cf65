package gemm

// A pure-Go single-precision GEMM around an assembly micro-kernel (sgemm_amd64.s), used when OpenBLAS is
// not available: the structure of GotoBLAS/BLIS in its simplest form. B is packed in panels of nr
// columns and A (scaled by alpha) in panels of sgemmMR rows, one sgemmKC-deep slice of the k dimension
// at a time, so the micro-kernel streams both from contiguous memory. Two kernels: AVX-512 keeps a 6x32
// block of C in twelve ZMM registers, AVX2/FMA a 6x16 block in twelve YMM registers. Tiles at the right
// and bottom edges go through a small buffer.

const (
	sgemmMR    = 6   // rows of a micro-tile
	sgemmMaxNR = 32  // the widest micro-tile
	sgemmKC    = 256 // depth of one packed slice
	sgemmMC    = 96  // rows of A packed at once (a multiple of sgemmMR; ~96 KB, about L2 size)
)

// sgemmMicro names a micro-kernel by its width: C[0:sgemmMR, 0:nr] = A-panel (kc x sgemmMR) times
// B-panel (kc x nr), added to C when acc is true.
type sgemmMicro struct {
	name string
	nr   int
}

var (
	sgemmAVX2   = sgemmMicro{"AVX2/FMA", 16}
	sgemmAVX512 = sgemmMicro{"AVX-512", 32}
)

// run calls the kernel directly (not through a func value, which would make the compiler move the
// edge-tile buffer of sgemmPacked to the heap on every call).
func (uk sgemmMicro) run(kc int, a, b, c *float32, ldc int, acc bool) {
	if uk.nr == 32 {
		sgemmKernel6x32(kc, a, b, c, ldc, acc)
		return
	}
	sgemmKernel6x16(kc, a, b, c, ldc, acc)
}

// runBias is run followed, before the tile is stored, by the convolution epilogue: bias[r] added to
// row r of the tile, then the ReLU when relu (sgemmKernel6x32Bias, sgemmKernel6x16Bias).
func (uk sgemmMicro) runBias(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool) {
	if uk.nr == 32 {
		sgemmKernel6x32Bias(kc, a, b, c, ldc, acc, bias, relu)
		return
	}
	sgemmKernel6x16Bias(kc, a, b, c, ldc, acc, bias, relu)
}

// sgemmKernelEnv names the environment variable that can hold the pure-Go GEMM back to its AVX2
// kernel ("avx2") on an AVX-512 CPU, to measure what a CPU without AVX-512 would get.
const sgemmKernelEnv = "INCEPTIONLAB_SGEMM_KERNEL"

// bestSgemmKernel returns the fastest micro-kernel this CPU runs (unless INCEPTIONLAB_SGEMM_KERNEL=avx2),
// or false when it runs none.
func bestSgemmKernel() (sgemmMicro, bool) {
	switch {
	case AVX512():
		return sgemmAVX512, true
	case hasSgemmKernel:
		return sgemmAVX2, true
	}
	return sgemmMicro{}, false
}

// sgemmPacked computes C = alpha*op(A)*op(B) + beta*C (row-major) with the micro-kernel uk in the
// calling goroutine. The caller has checked the operands (checkGemm) and that the CPU runs uk.
func sgemmPacked(uk sgemmMicro, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPackedPar(uk, 1, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// packB copies rows [p0, p0+kc) of op(B) (k x n), columns of panels [jp0, jp1), into panels of nr
// columns: panel j, at bp[(j-jp0)*kc*nr:], holds kc groups of nr values, zero beyond column n.
func packB(tB bool, b []float32, ldb, p0, kc, n, nr, jp0, jp1 int, bp []float32) {
	for jp := jp0; jp < jp1; jp++ {
		j0 := jp * nr
		nw := min(nr, n-j0)
		dst := bp[(jp-jp0)*kc*nr : (jp-jp0+1)*kc*nr]
		if tB && nw == 32 && kc >= 16 {
			// A full panel of the AVX-512 kernel: 16 x 16 blocks transposed in registers (packT16),
			// then the last kc%16 groups one value at a time. Bounds checked once for the whole panel.
			_, _ = b[(j0+31)*ldb+p0+kc-1], dst[kc*32-1]
			packT16(&dst[0], &b[j0*ldb+p0], ldb, kc/16)
			packT16(&dst[16], &b[(j0+16)*ldb+p0], ldb, kc/16)
			for p := kc &^ 15; p < kc; p++ {
				d := dst[p*32 : (p+1)*32]
				for q := range d {
					d[q] = b[(j0+q)*ldb+p0+p]
				}
			}
			continue
		}
		if tB {
			// op(B) column j0+q is row j0+q of B. Eight rows are read side by side, so that each group
			// of the panel gets eight contiguous values per pass; the rest one row at a time.
			q := 0
			for ; q+8 <= nw; q += 8 {
				r := b[(j0+q)*ldb+p0:]
				r0, r1, r2, r3 := r[:kc], r[ldb:][:kc], r[2*ldb:][:kc], r[3*ldb:][:kc]
				r4, r5, r6, r7 := r[4*ldb:][:kc], r[5*ldb:][:kc], r[6*ldb:][:kc], r[7*ldb:][:kc]
				for p := range r0 {
					d := (*[8]float32)(dst[p*nr+q:])
					d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p], r6[p], r7[p]
				}
			}
			for ; q < nw; q++ {
				src := b[(j0+q)*ldb+p0:][:kc]
				for p, v := range src {
					dst[p*nr+q] = v
				}
			}
			if nw < nr {
				for p := 0; p < kc; p++ {
					clear(dst[p*nr+nw : (p+1)*nr])
				}
			}
			continue
		}
		switch {
		case nw == 32:
			// Only the AVX-512 kernel has 32-wide panels. Bounds checked once for all kc rows.
			_, _ = b[(p0+kc-1)*ldb+j0+31], dst[kc*32-1]
			packRows32(&dst[0], &b[p0*ldb+j0], ldb, kc)
		case nw == 16 && nr == 16:
			// Only the AVX2 kernel has 16-wide panels. Bounds checked once for all kc rows.
			_, _ = b[(p0+kc-1)*ldb+j0+15], dst[kc*16-1]
			packRows16(&dst[0], &b[p0*ldb+j0], ldb, kc)
		default:
			for p := 0; p < kc; p++ {
				d := dst[p*nr : (p+1)*nr]
				copy(d[:nw], b[(p0+p)*ldb+j0:][:nw])
				clear(d[nw:])
			}
		}
	}
}

// packA copies alpha * op(A)[i0:i0+mc, p0:p0+kc] into panels of sgemmMR rows: panel r holds kc groups of
// sgemmMR values, zero beyond row i0+mc.
func packA(tA bool, a []float32, lda, i0, mc, p0, kc int, alpha float32, ap []float32) {
	for r0 := 0; r0 < mc; r0 += sgemmMR {
		mh := min(sgemmMR, mc-r0)
		dst := ap[r0*kc : r0*kc+kc*sgemmMR]
		if mh == sgemmMR && tA { // each group is 6 contiguous values of a row of A
			for p := 0; p < kc; p++ {
				s := (*[sgemmMR]float32)(a[(p0+p)*lda+i0+r0:])
				d := (*[sgemmMR]float32)(dst[p*sgemmMR:])
				d[0], d[1], d[2], d[3], d[4], d[5] = alpha*s[0], alpha*s[1], alpha*s[2], alpha*s[3], alpha*s[4], alpha*s[5]
			}
			continue
		}
		if mh == sgemmMR { // six rows of A read side by side, each group written at once
			i := (i0+r0)*lda + p0
			a0, a1, a2 := a[i:][:kc], a[i+lda:][:kc], a[i+2*lda:][:kc]
			a3, a4, a5 := a[i+3*lda:][:kc], a[i+4*lda:][:kc], a[i+5*lda:][:kc]
			for p := range a0 {
				d := (*[sgemmMR]float32)(dst[p*sgemmMR:])
				d[0], d[1], d[2], d[3], d[4], d[5] = alpha*a0[p], alpha*a1[p], alpha*a2[p], alpha*a3[p], alpha*a4[p], alpha*a5[p]
			}
			continue
		}
		for r := 0; r < sgemmMR; r++ {
			if r >= mh {
				for p := 0; p < kc; p++ {
					dst[p*sgemmMR+r] = 0
				}
				continue
			}
			i := i0 + r0 + r
			if !tA {
				for p, v := range a[i*lda+p0 : i*lda+p0+kc] {
					dst[p*sgemmMR+r] = alpha * v
				}
			} else {
				for p := 0; p < kc; p++ {
					dst[p*sgemmMR+r] = alpha * a[(p0+p)*lda+i]
				}
			}
		}
	}
}
