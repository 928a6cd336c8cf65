package model

// A pure-Go single-precision GEMM around an AVX2/FMA micro-kernel (sgemm_amd64.s), used when OpenBLAS is
// not available: the structure of GotoBLAS/BLIS in its simplest form. B is packed in panels of
// sgemmNR columns and A (scaled by alpha) in panels of sgemmMR rows, one sgemmKC-deep slice of the k
// dimension at a time, so the micro-kernel streams both from contiguous memory; it keeps a 6x16 block
// of C in twelve YMM registers. Tiles at the right and bottom edges go through a small buffer.

const (
	sgemmMR = 6   // rows of a micro-tile
	sgemmNR = 16  // columns of a micro-tile
	sgemmKC = 256 // depth of one packed slice
	sgemmMC = 96  // rows of A packed at once (a multiple of sgemmMR; ~96 KB, about L2 size)
)

// sgemmPacked computes C = alpha*op(A)*op(B) + beta*C (row-major) with the micro-kernel. The caller has
// checked the operands (checkGemm) and that hasSgemmKernel is true.
func sgemmPacked(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if beta != 1 {
		scaleRows(m, n, beta, c, ldc)
	}
	if k == 0 || alpha == 0 || m == 0 || n == 0 {
		return
	}
	panels := (n + sgemmNR - 1) / sgemmNR
	bBuf := getScratch[float32](min(k, sgemmKC) * panels * sgemmNR)
	aBuf := getScratch[float32](min(k, sgemmKC) * sgemmMC)
	defer putScratch(bBuf)
	defer putScratch(aBuf)
	bp, ap := *bBuf, *aBuf
	var edge [sgemmMR * sgemmNR]float32
	for p0 := 0; p0 < k; p0 += sgemmKC {
		kc := min(sgemmKC, k-p0)
		packB(tB, b, ldb, p0, kc, n, bp)
		for i0 := 0; i0 < m; i0 += sgemmMC {
			mc := min(sgemmMC, m-i0)
			packA(tA, a, lda, i0, mc, p0, kc, alpha, ap)
			for jp := 0; jp < panels; jp++ {
				j0 := jp * sgemmNR
				nw := min(sgemmNR, n-j0)
				bpan := bp[jp*kc*sgemmNR:]
				for r0 := 0; r0 < mc; r0 += sgemmMR {
					mh := min(sgemmMR, mc-r0)
					apan := ap[r0*kc:]
					if mh == sgemmMR && nw == sgemmNR {
						sgemmKernel6x16(kc, &apan[0], &bpan[0], &c[(i0+r0)*ldc+j0], ldc)
						continue
					}
					clear(edge[:])
					sgemmKernel6x16(kc, &apan[0], &bpan[0], &edge[0], sgemmNR)
					for r := 0; r < mh; r++ {
						row := c[(i0+r0+r)*ldc+j0:][:nw]
						for q, v := range edge[r*sgemmNR : r*sgemmNR+nw] {
							row[q] += v
						}
					}
				}
			}
		}
	}
}

// packB copies rows [p0, p0+kc) of op(B) (k x n) into panels of sgemmNR columns: panel j holds kc groups
// of sgemmNR values, zero beyond column n.
func packB(tB bool, b []float32, ldb, p0, kc, n int, bp []float32) {
	panels := (n + sgemmNR - 1) / sgemmNR
	for jp := 0; jp < panels; jp++ {
		j0 := jp * sgemmNR
		nw := min(sgemmNR, n-j0)
		dst := bp[jp*kc*sgemmNR : (jp+1)*kc*sgemmNR]
		for p := 0; p < kc; p++ {
			d := dst[p*sgemmNR : (p+1)*sgemmNR]
			if !tB {
				copy(d[:nw], b[(p0+p)*ldb+j0:][:nw])
			} else {
				for q := 0; q < nw; q++ {
					d[q] = b[(j0+q)*ldb+p0+p]
				}
			}
			clear(d[nw:])
		}
	}
}

// packA copies alpha * op(A)[i0:i0+mc, p0:p0+kc] into panels of sgemmMR rows: panel r holds kc groups of
// sgemmMR values, zero beyond row i0+mc.
func packA(tA bool, a []float32, lda, i0, mc, p0, kc int, alpha float32, ap []float32) {
	for r0 := 0; r0 < mc; r0 += sgemmMR {
		mh := min(sgemmMR, mc-r0)
		dst := ap[r0*kc : r0*kc+kc*sgemmMR]
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
