//go:build amd64

#include "textflag.h"

// ZERO_Y0_Y11 and ZERO_Z0_Z11 clear the twelve accumulators of the 6x16 and 6x32 kernels.
#define ZERO_Y0_Y11 \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

#define ZERO_Z0_Z11 \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11

// KERNEL6x16_STEP is one k step of the 6x16 AVX2 micro-kernel (sgemmKernel6x16, sgemmKernel6x16Bias):
// B row p in Y12:Y13 (DI), the six A values of row p broadcast (SI) into twelve FMAs on Y0-Y11; then
// both pointers advance and CX counts down.
#define KERNEL6x16_STEP \
	VMOVUPS      (DI), Y12; \
	VMOVUPS      32(DI), Y13; \
	VBROADCASTSS (SI), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS 4(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS 8(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS 12(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS 16(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS 20(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11; \
	ADDQ         $24, SI; \
	ADDQ         $64, DI; \
	DECQ         CX

// The fused-epilogue kernels' per-row steps (sgemmKernel6x16Bias with YMM registers and hi = 32,
// sgemmKernel6x32Bias with ZMM and hi = 64) on C row r held in r0:r1, its second half hi bytes into
// the row: ACC_ROW adds the row of C at DX to the tile and PUT_ROW stores the tile there, each moving DX
// to the next row (R8 bytes on); BIAS_ROW adds bias[off/4] (BX) through the scratch register t; RELU
// clears a register's negative lanes (sign bit set: +0), andn being VPANDN for YMM, VPANDND for ZMM.
#define ACC_ROW(hi, r0, r1) \
	VADDPS (DX), r0, r0; \
	VADDPS hi(DX), r1, r1; \
	ADDQ   R8, DX

#define BIAS_ROW(off, t, r0, r1) \
	VBROADCASTSS off(BX), t; \
	VADDPS       t, r0, r0; \
	VADDPS       t, r1, r1

#define RELU(andn, t, r) \
	VPSRAD $31, r, t; \
	andn   r, t, r

#define PUT_ROW(hi, r0, r1) \
	VMOVUPS r0, (DX); \
	VMOVUPS r1, hi(DX); \
	ADDQ    R8, DX

// KERNEL6x32_STEP is one k step of the 6x32 AVX-512 micro-kernel: B row p in Z12:Z13 (DI), the six A
// values of row p broadcast (SI) into twelve FMAs on Z0-Z11; then both pointers advance.
#define KERNEL6x32_STEP \
	VMOVUPS      (DI), Z12; \
	VMOVUPS      64(DI), Z13; \
	VBROADCASTSS 0(SI), Z14; \
	VFMADD231PS  Z12, Z14, Z0; \
	VFMADD231PS  Z13, Z14, Z1; \
	VBROADCASTSS 4(SI), Z15; \
	VFMADD231PS  Z12, Z15, Z2; \
	VFMADD231PS  Z13, Z15, Z3; \
	VBROADCASTSS 8(SI), Z14; \
	VFMADD231PS  Z12, Z14, Z4; \
	VFMADD231PS  Z13, Z14, Z5; \
	VBROADCASTSS 12(SI), Z15; \
	VFMADD231PS  Z12, Z15, Z6; \
	VFMADD231PS  Z13, Z15, Z7; \
	VBROADCASTSS 16(SI), Z14; \
	VFMADD231PS  Z12, Z14, Z8; \
	VFMADD231PS  Z13, Z14, Z9; \
	VBROADCASTSS 20(SI), Z15; \
	VFMADD231PS  Z12, Z15, Z10; \
	VFMADD231PS  Z13, Z15, Z11; \
	ADDQ         $24, SI; \
	ADDQ         $128, DI; \
	DECQ         CX

// PREFETCH_C_ROW asks for the 128-byte C row at R12 and moves R12 to the next row (R8 bytes on).
#define PREFETCH_C_ROW \
	PREFETCHT0 (R12); \
	PREFETCHT0 64(R12); \
	ADDQ       R8, R12

// PREFETCH_C6 asks for the six 128-byte rows of a C tile (DX, rows R8 bytes apart) ahead of the k loop,
// so the stores (and the loads of an accumulating tile) at its end find them in the cache. Uses R12.
#define PREFETCH_C6 \
	MOVQ DX, R12; \
	PREFETCH_C_ROW; \
	PREFETCH_C_ROW; \
	PREFETCH_C_ROW; \
	PREFETCH_C_ROW; \
	PREFETCH_C_ROW; \
	PREFETCH_C_ROW

// KERNEL4x32_STEP and KERNEL2x32_STEP are KERNEL6x32_STEP for the first four or two rows of the A
// panel only (sgemmKernel6x32Rows' short tiles); the pointers advance as for six.
#define KERNEL4x32_STEP \
	VMOVUPS      (DI), Z12; \
	VMOVUPS      64(DI), Z13; \
	VBROADCASTSS 0(SI), Z14; \
	VFMADD231PS  Z12, Z14, Z0; \
	VFMADD231PS  Z13, Z14, Z1; \
	VBROADCASTSS 4(SI), Z15; \
	VFMADD231PS  Z12, Z15, Z2; \
	VFMADD231PS  Z13, Z15, Z3; \
	VBROADCASTSS 8(SI), Z14; \
	VFMADD231PS  Z12, Z14, Z4; \
	VFMADD231PS  Z13, Z14, Z5; \
	VBROADCASTSS 12(SI), Z15; \
	VFMADD231PS  Z12, Z15, Z6; \
	VFMADD231PS  Z13, Z15, Z7; \
	ADDQ         $24, SI; \
	ADDQ         $128, DI; \
	DECQ         CX

#define KERNEL2x32_STEP \
	VMOVUPS      (DI), Z12; \
	VMOVUPS      64(DI), Z13; \
	VBROADCASTSS 0(SI), Z14; \
	VFMADD231PS  Z12, Z14, Z0; \
	VFMADD231PS  Z13, Z14, Z1; \
	VBROADCASTSS 4(SI), Z15; \
	VFMADD231PS  Z12, Z15, Z2; \
	VFMADD231PS  Z13, Z15, Z3; \
	ADDQ         $24, SI; \
	ADDQ         $128, DI; \
	DECQ         CX

// func sgemmKernel6x16(kc int, a, b, c *float32, ldc int, acc bool)
//
// C[0:6, 0:16] (+)= sum over p < kc of A[p][0:6] (outer) B[p][0:16], with A packed as kc groups of 6
// values and B as kc groups of 16 values; C is row-major with leading dimension ldc (elements). acc
// adds to C; otherwise C is overwritten (and not read). Needs AVX2 + FMA.
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-41
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	MOVBLZX acc+40(FP), R9
	SHLQ $2, R8

	ZERO_Y0_Y11

	TESTQ CX, CX
	JEQ   store

loop:
	KERNEL6x16_STEP
	JNE          loop

store:
	TESTQ R9, R9
	JEQ   overwrite
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DX)
	VADDPS  32(DX), Y1, Y1
	VMOVUPS Y1, 32(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Y2, Y2
	VMOVUPS Y2, (DX)
	VADDPS  32(DX), Y3, Y3
	VMOVUPS Y3, 32(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Y4, Y4
	VMOVUPS Y4, (DX)
	VADDPS  32(DX), Y5, Y5
	VMOVUPS Y5, 32(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Y6, Y6
	VMOVUPS Y6, (DX)
	VADDPS  32(DX), Y7, Y7
	VMOVUPS Y7, 32(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Y8, Y8
	VMOVUPS Y8, (DX)
	VADDPS  32(DX), Y9, Y9
	VMOVUPS Y9, 32(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Y10, Y10
	VMOVUPS Y10, (DX)
	VADDPS  32(DX), Y11, Y11
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET

overwrite:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ    R8, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET

// func sgemmKernel6x16Bias(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool)
//
// sgemmKernel6x16 followed, before the tile is stored, by the convolution epilogue: bias[r] added to
// row r, then (relu) the sign bit's value cleared, exactly as biasRelu32 computes them on the stored
// tile: what sgemmKernel6x32Bias is for the AVX-512 kernel. Without it every 6x16 tile's epilogue was six
// biasRelu32 calls of 16 values (3.3% of a 224x16 inference held to AVX2 on the Zen 5 VM). Needs AVX2
// and FMA.
TEXT ·sgemmKernel6x16Bias(SB), NOSPLIT, $0-57
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	MOVBLZX acc+40(FP), R9
	MOVQ bias+48(FP), BX
	MOVBLZX relu+56(FP), R10
	SHLQ $2, R8
	MOVQ DX, R11

	ZERO_Y0_Y11

	TESTQ CX, CX
	JEQ   b16store

b16loop:
	KERNEL6x16_STEP
	JNE          b16loop

b16store:
	TESTQ R9, R9
	JEQ   b16bias
	ACC_ROW(32, Y0, Y1)
	ACC_ROW(32, Y2, Y3)
	ACC_ROW(32, Y4, Y5)
	ACC_ROW(32, Y6, Y7)
	ACC_ROW(32, Y8, Y9)
	ACC_ROW(32, Y10, Y11)
	MOVQ  R11, DX

b16bias:
	BIAS_ROW(0, Y14, Y0, Y1)
	BIAS_ROW(4, Y14, Y2, Y3)
	BIAS_ROW(8, Y14, Y4, Y5)
	BIAS_ROW(12, Y14, Y6, Y7)
	BIAS_ROW(16, Y14, Y8, Y9)
	BIAS_ROW(20, Y14, Y10, Y11)
	TESTQ R10, R10
	JEQ   b16put
	RELU(VPANDN, Y15, Y0)
	RELU(VPANDN, Y15, Y1)
	RELU(VPANDN, Y15, Y2)
	RELU(VPANDN, Y15, Y3)
	RELU(VPANDN, Y15, Y4)
	RELU(VPANDN, Y15, Y5)
	RELU(VPANDN, Y15, Y6)
	RELU(VPANDN, Y15, Y7)
	RELU(VPANDN, Y15, Y8)
	RELU(VPANDN, Y15, Y9)
	RELU(VPANDN, Y15, Y10)
	RELU(VPANDN, Y15, Y11)

b16put:
	PUT_ROW(32, Y0, Y1)
	PUT_ROW(32, Y2, Y3)
	PUT_ROW(32, Y4, Y5)
	PUT_ROW(32, Y6, Y7)
	PUT_ROW(32, Y8, Y9)
	PUT_ROW(32, Y10, Y11)
	VZEROUPPER
	RET

// func sgemmKernel6x32(kc int, a, b, c *float32, ldc int, acc bool)
//
// The AVX-512 form of sgemmKernel6x16: C[0:6, 0:32] (+)= sum over p < kc of A[p][0:6] (outer)
// B[p][0:32], A packed as kc groups of 6 values, B as kc groups of 32; twelve ZMM accumulators. Needs
// AVX-512F.
TEXT ·sgemmKernel6x32(SB), NOSPLIT, $0-41
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	MOVBLZX acc+40(FP), R9
	SHLQ $2, R8
	PREFETCH_C6

	ZERO_Z0_Z11

	TESTQ CX, CX
	JEQ   store512

loop512:
	KERNEL6x32_STEP
	JNE          loop512

store512:
	TESTQ R9, R9
	JEQ   overwrite512
	VADDPS  (DX), Z0, Z0
	VMOVUPS Z0, (DX)
	VADDPS  64(DX), Z1, Z1
	VMOVUPS Z1, 64(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Z2, Z2
	VMOVUPS Z2, (DX)
	VADDPS  64(DX), Z3, Z3
	VMOVUPS Z3, 64(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Z4, Z4
	VMOVUPS Z4, (DX)
	VADDPS  64(DX), Z5, Z5
	VMOVUPS Z5, 64(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Z6, Z6
	VMOVUPS Z6, (DX)
	VADDPS  64(DX), Z7, Z7
	VMOVUPS Z7, 64(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Z8, Z8
	VMOVUPS Z8, (DX)
	VADDPS  64(DX), Z9, Z9
	VMOVUPS Z9, 64(DX)
	ADDQ    R8, DX
	VADDPS  (DX), Z10, Z10
	VMOVUPS Z10, (DX)
	VADDPS  64(DX), Z11, Z11
	VMOVUPS Z11, 64(DX)
	VZEROUPPER
	RET

overwrite512:
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ    R8, DX
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	ADDQ    R8, DX
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	ADDQ    R8, DX
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	ADDQ    R8, DX
	VMOVUPS Z8, (DX)
	VMOVUPS Z9, 64(DX)
	ADDQ    R8, DX
	VMOVUPS Z10, (DX)
	VMOVUPS Z11, 64(DX)
	VZEROUPPER
	RET

// func packRows32(dst, src *float32, ld, kc int)
//
// dst[p*32 : p*32+32] = src[p*ld : p*ld+32] for p < kc: packB's full 32-wide panel, two ZMM moves per
// row, prefetching the rows four ahead (each row is a new stream, too many for the hardware
// prefetcher when ld is a wide matrix's). Needs AVX-512F.
TEXT ·packRows32(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), BX
	SHLQ  $2, BX
	MOVQ  kc+24(FP), CX
	TESTQ CX, CX
	JLE   rowsdone

rows:
	VMOVUPS    (SI), Z0
	VMOVUPS    64(SI), Z1
	PREFETCHT0 (SI)(BX*4)
	PREFETCHT0 64(SI)(BX*4)
	VMOVUPS    Z0, (DI)
	VMOVUPS    Z1, 64(DI)
	ADDQ       BX, SI
	ADDQ       $128, DI
	DECQ       CX
	JNZ        rows

rowsdone:
	VZEROUPPER
	RET

// func packT16(dst, src *float32, ld, blocks int)
//
// Transposed packing for packB: for each of blocks blocks of 16 columns p (block b at src + 16b), the
// 16 x 16 block of rows src[i*ld + p] (i < 16) is transposed in registers and stored as dst[p*32 + i]
// (a 32-wide panel's groups, 128 bytes apart). Needs AVX-512F.
TEXT ·packT16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), BX
	SHLQ $2, BX
	MOVQ blocks+24(FP), CX
	TESTQ CX, CX
	JLE tdone

tblock:
	MOVQ SI, R10
	VMOVUPS (R10), Z0
	VMOVUPS (R10)(BX*1), Z1
	LEAQ (R10)(BX*2), R10
	VMOVUPS (R10), Z2
	VMOVUPS (R10)(BX*1), Z3
	LEAQ (R10)(BX*2), R10
	VMOVUPS (R10), Z4
	VMOVUPS (R10)(BX*1), Z5
	LEAQ (R10)(BX*2), R10
	VMOVUPS (R10), Z6
	VMOVUPS (R10)(BX*1), Z7
	LEAQ (R10)(BX*2), R10
	VMOVUPS (R10), Z8
	VMOVUPS (R10)(BX*1), Z9
	LEAQ (R10)(BX*2), R10
	VMOVUPS (R10), Z10
	VMOVUPS (R10)(BX*1), Z11
	LEAQ (R10)(BX*2), R10
	VMOVUPS (R10), Z12
	VMOVUPS (R10)(BX*1), Z13
	LEAQ (R10)(BX*2), R10
	VMOVUPS (R10), Z14
	VMOVUPS (R10)(BX*1), Z15
	VUNPCKLPS Z1, Z0, Z16
	VUNPCKHPS Z1, Z0, Z17
	VUNPCKLPS Z3, Z2, Z18
	VUNPCKHPS Z3, Z2, Z19
	VUNPCKLPS Z5, Z4, Z20
	VUNPCKHPS Z5, Z4, Z21
	VUNPCKLPS Z7, Z6, Z22
	VUNPCKHPS Z7, Z6, Z23
	VUNPCKLPS Z9, Z8, Z24
	VUNPCKHPS Z9, Z8, Z25
	VUNPCKLPS Z11, Z10, Z26
	VUNPCKHPS Z11, Z10, Z27
	VUNPCKLPS Z13, Z12, Z28
	VUNPCKHPS Z13, Z12, Z29
	VUNPCKLPS Z15, Z14, Z30
	VUNPCKHPS Z15, Z14, Z31
	VUNPCKLPD Z18, Z16, Z0
	VUNPCKHPD Z18, Z16, Z1
	VUNPCKLPD Z19, Z17, Z2
	VUNPCKHPD Z19, Z17, Z3
	VUNPCKLPD Z22, Z20, Z4
	VUNPCKHPD Z22, Z20, Z5
	VUNPCKLPD Z23, Z21, Z6
	VUNPCKHPD Z23, Z21, Z7
	VUNPCKLPD Z26, Z24, Z8
	VUNPCKHPD Z26, Z24, Z9
	VUNPCKLPD Z27, Z25, Z10
	VUNPCKHPD Z27, Z25, Z11
	VUNPCKLPD Z30, Z28, Z12
	VUNPCKHPD Z30, Z28, Z13
	VUNPCKLPD Z31, Z29, Z14
	VUNPCKHPD Z31, Z29, Z15
	VSHUFF32X4 $0x44, Z4, Z0, Z16
	VSHUFF32X4 $0xee, Z4, Z0, Z17
	VSHUFF32X4 $0x44, Z12, Z8, Z18
	VSHUFF32X4 $0xee, Z12, Z8, Z19
	VSHUFF32X4 $0x88, Z18, Z16, Z20
	VSHUFF32X4 $0xdd, Z18, Z16, Z21
	VSHUFF32X4 $0x88, Z19, Z17, Z22
	VSHUFF32X4 $0xdd, Z19, Z17, Z23
	VMOVUPS Z20, 0(DI)
	VMOVUPS Z21, 512(DI)
	VMOVUPS Z22, 1024(DI)
	VMOVUPS Z23, 1536(DI)
	VSHUFF32X4 $0x44, Z5, Z1, Z16
	VSHUFF32X4 $0xee, Z5, Z1, Z17
	VSHUFF32X4 $0x44, Z13, Z9, Z18
	VSHUFF32X4 $0xee, Z13, Z9, Z19
	VSHUFF32X4 $0x88, Z18, Z16, Z20
	VSHUFF32X4 $0xdd, Z18, Z16, Z21
	VSHUFF32X4 $0x88, Z19, Z17, Z22
	VSHUFF32X4 $0xdd, Z19, Z17, Z23
	VMOVUPS Z20, 128(DI)
	VMOVUPS Z21, 640(DI)
	VMOVUPS Z22, 1152(DI)
	VMOVUPS Z23, 1664(DI)
	VSHUFF32X4 $0x44, Z6, Z2, Z16
	VSHUFF32X4 $0xee, Z6, Z2, Z17
	VSHUFF32X4 $0x44, Z14, Z10, Z18
	VSHUFF32X4 $0xee, Z14, Z10, Z19
	VSHUFF32X4 $0x88, Z18, Z16, Z20
	VSHUFF32X4 $0xdd, Z18, Z16, Z21
	VSHUFF32X4 $0x88, Z19, Z17, Z22
	VSHUFF32X4 $0xdd, Z19, Z17, Z23
	VMOVUPS Z20, 256(DI)
	VMOVUPS Z21, 768(DI)
	VMOVUPS Z22, 1280(DI)
	VMOVUPS Z23, 1792(DI)
	VSHUFF32X4 $0x44, Z7, Z3, Z16
	VSHUFF32X4 $0xee, Z7, Z3, Z17
	VSHUFF32X4 $0x44, Z15, Z11, Z18
	VSHUFF32X4 $0xee, Z15, Z11, Z19
	VSHUFF32X4 $0x88, Z18, Z16, Z20
	VSHUFF32X4 $0xdd, Z18, Z16, Z21
	VSHUFF32X4 $0x88, Z19, Z17, Z22
	VSHUFF32X4 $0xdd, Z19, Z17, Z23
	VMOVUPS Z20, 384(DI)
	VMOVUPS Z21, 896(DI)
	VMOVUPS Z22, 1408(DI)
	VMOVUPS Z23, 1920(DI)

	ADDQ $64, SI
	ADDQ $2048, DI
	DECQ CX
	JNZ tblock

tdone:
	VZEROUPPER
	RET

// func packConvRows32(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int)
//
// The implicit GEMM's 32-wide B panel rows (see packBConv): row r is x[base + offs[r] + i] for the lanes
// i whose bit is set in masks[taps[r]], zero elsewhere; two zero-masking ZMM loads and two stores per
// row. Masked-off lanes are not read (no faults), so they may point outside x. Needs AVX-512F.
TEXT ·packConvRows32(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ base+16(FP), AX
	LEAQ (SI)(AX*4), SI
	MOVQ offs+24(FP), R8
	MOVQ taps+32(FP), R9
	MOVQ masks+40(FP), R10
	MOVQ kc+48(FP), CX
	TESTQ CX, CX
	JLE  convdone

convrow:
	MOVLQSX (R8), AX
	MOVBQZX (R9), DX
	MOVL    (R10)(DX*4), DX
	CMPL    DX, $-1
	JEQ     convfull
	KMOVW   DX, K1
	SHRL    $16, DX
	KMOVW   DX, K2
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMOVUPS.Z 64(SI)(AX*4), K2, Z1
	JMP     convput

convfull: // every lane valid: plain loads, which AMD Zen 5 serves faster than masked ones
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1

convput:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $4, R8
	INCQ    R9
	ADDQ    $128, DI
	DECQ    CX
	JNZ     convrow

convdone:
	VZEROUPPER
	RET

// func biasReluAVX512(dst, src *float32, n int, b float32)
//
// dst[i] = src[i] + b with the sign bit's value cleared (a ReLU: negative values and -0 become +0),
// exactly biasRelu32's bits: one VADDPS, an arithmetic shift of the sign into a mask and an and-not
// per 16 values, the last n%16 under a lane mask. Needs AVX-512F.
TEXT ·biasReluAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS b+24(FP), Z1

relu16:
	CMPQ    CX, $16
	JLT     relutail
	VADDPS  (SI), Z1, Z0
	VPSRAD  $31, Z0, Z2
	VPANDND Z0, Z2, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     relu16

relutail:
	TESTQ     CX, CX
	JLE       reludone
	MOVL      $1, AX
	SHLL      CX, AX
	DECL      AX
	KMOVW     AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VADDPS    Z0, Z1, Z0
	VPSRAD    $31, Z0, Z2
	VPANDND   Z0, Z2, Z0
	VMOVUPS   Z0, K1, (DI)

reludone:
	VZEROUPPER
	RET

// func sgemmKernel6x32Bias(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool)
//
// sgemmKernel6x32 followed, before the tile is stored, by the GEMM epilogue of a convolution: bias[r]
// added to row r, then (relu) the sign bit's value cleared, exactly as biasRelu32 (or the plain bias
// add) computes them on the stored tile; so the tile is written once instead of stored, read back and
// written again. Needs AVX-512F.
TEXT ·sgemmKernel6x32Bias(SB), NOSPLIT, $0-57
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	MOVBLZX acc+40(FP), R9
	MOVQ bias+48(FP), BX
	MOVBLZX relu+56(FP), R10
	SHLQ $2, R8
	MOVQ DX, R11
	PREFETCH_C6

	ZERO_Z0_Z11

	TESTQ CX, CX
	JEQ   bstore512

bloop512:
	KERNEL6x32_STEP
	JNE          bloop512

bstore512:
	TESTQ R9, R9
	JEQ   bbias512
	ACC_ROW(64, Z0, Z1)
	ACC_ROW(64, Z2, Z3)
	ACC_ROW(64, Z4, Z5)
	ACC_ROW(64, Z6, Z7)
	ACC_ROW(64, Z8, Z9)
	ACC_ROW(64, Z10, Z11)
	MOVQ  R11, DX

bbias512:
	BIAS_ROW(0, Z14, Z0, Z1)
	BIAS_ROW(4, Z14, Z2, Z3)
	BIAS_ROW(8, Z14, Z4, Z5)
	BIAS_ROW(12, Z14, Z6, Z7)
	BIAS_ROW(16, Z14, Z8, Z9)
	BIAS_ROW(20, Z14, Z10, Z11)
	TESTQ R10, R10
	JEQ   bput512
	RELU(VPANDND, Z15, Z0)
	RELU(VPANDND, Z15, Z1)
	RELU(VPANDND, Z15, Z2)
	RELU(VPANDND, Z15, Z3)
	RELU(VPANDND, Z15, Z4)
	RELU(VPANDND, Z15, Z5)
	RELU(VPANDND, Z15, Z6)
	RELU(VPANDND, Z15, Z7)
	RELU(VPANDND, Z15, Z8)
	RELU(VPANDND, Z15, Z9)
	RELU(VPANDND, Z15, Z10)
	RELU(VPANDND, Z15, Z11)

bput512:
	PUT_ROW(64, Z0, Z1)
	PUT_ROW(64, Z2, Z3)
	PUT_ROW(64, Z4, Z5)
	PUT_ROW(64, Z6, Z7)
	PUT_ROW(64, Z8, Z9)
	PUT_ROW(64, Z10, Z11)
	VZEROUPPER
	RET

// func packConvRows32S2(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks0, masks1 *uint64, kc int, even *int32)
//
// packConvRows32 for a stride-2 convolution: row r of the panel takes lane i from x[b + offs[r] + 2i]
// for each of at most two output-row segments (b = base0, then base1), reading each segment's 64-value
// window with four zero-masking loads (masks0/masks1[taps[r]]: the window positions 2i of the
// segment's valid lanes) and keeping its even values with VPERMT2PS (even holds 0, 2, ..., 30); lanes
// outside a segment or reading padding are zero, so the two segments are merged with an OR. A zero
// masks1 entry skips the second segment. Needs AVX-512F.
TEXT ·packConvRows32S2(SB), NOSPLIT, $0-80
	MOVQ      dst+0(FP), DI
	MOVQ      x+8(FP), SI
	MOVQ      base0+16(FP), AX
	LEAQ      (SI)(AX*4), R11
	MOVQ      base1+24(FP), AX
	LEAQ      (SI)(AX*4), R12
	MOVQ      offs+32(FP), R8
	MOVQ      taps+40(FP), R9
	MOVQ      masks0+48(FP), R10
	MOVQ      masks1+56(FP), R13
	MOVQ      kc+64(FP), CX
	MOVQ      even+72(FP), AX
	VMOVDQU32 (AX), Z20
	TESTQ     CX, CX
	JLE       s2done

s2row:
	MOVLQSX   (R8), AX
	MOVBQZX   (R9), BX
	MOVQ      (R10)(BX*8), DX
	LEAQ      (R11)(AX*4), SI
	KMOVW     DX, K1
	SHRQ      $16, DX
	KMOVW     DX, K2
	SHRQ      $16, DX
	KMOVW     DX, K3
	SHRQ      $16, DX
	KMOVW     DX, K4
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS.Z 128(SI), K3, Z2
	VMOVUPS.Z 192(SI), K4, Z3
	VPERMT2PS Z1, Z20, Z0
	VPERMT2PS Z3, Z20, Z2
	MOVQ      (R13)(BX*8), DX
	TESTQ     DX, DX
	JEQ       s2store
	LEAQ      (R12)(AX*4), SI
	KMOVW     DX, K1
	SHRQ      $16, DX
	KMOVW     DX, K2
	SHRQ      $16, DX
	KMOVW     DX, K3
	SHRQ      $16, DX
	KMOVW     DX, K4
	VMOVUPS.Z (SI), K1, Z4
	VMOVUPS.Z 64(SI), K2, Z5
	VMOVUPS.Z 128(SI), K3, Z6
	VMOVUPS.Z 192(SI), K4, Z7
	VPERMT2PS Z5, Z20, Z4
	VPERMT2PS Z7, Z20, Z6
	VPORD     Z4, Z0, Z0
	VPORD     Z6, Z2, Z2

s2store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z2, 64(DI)
	ADDQ    $4, R8
	INCQ    R9
	ADDQ    $128, DI
	DECQ    CX
	JNZ     s2row

s2done:
	VZEROUPPER
	RET

// func packConvRows32G(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, idx *int32)
//
// packConvRows32 for a panel of whole small-map samples side by side: lane i of row r is
// x[base + offs[r] + idx[i]] where bit i of masks[taps[r]] is set, else 0, read with two masked
// VGATHERDPS (idx: each lane's sample offset plus its position). Needs AVX-512F.
TEXT ·packConvRows32G(SB), NOSPLIT, $0-64
	MOVQ      dst+0(FP), DI
	MOVQ      x+8(FP), SI
	MOVQ      base+16(FP), AX
	LEAQ      (SI)(AX*4), R11
	MOVQ      offs+24(FP), R8
	MOVQ      taps+32(FP), R9
	MOVQ      masks+40(FP), R10
	MOVQ      kc+48(FP), CX
	MOVQ      idx+56(FP), AX
	VMOVDQU32 (AX), Z20
	VMOVDQU32 64(AX), Z21
	TESTQ     CX, CX
	JLE       gdone

grow:
	MOVLQSX    (R8), AX
	MOVBQZX    (R9), BX
	MOVL       (R10)(BX*4), DX
	LEAQ       (R11)(AX*4), SI
	VPXORD     Z0, Z0, Z0
	VPXORD     Z1, Z1, Z1
	KMOVW      DX, K1
	SHRL       $16, DX
	KMOVW      DX, K2
	VGATHERDPS (SI)(Z20*4), K1, Z0
	VGATHERDPS (SI)(Z21*4), K2, Z1
	VMOVUPS    Z0, (DI)
	VMOVUPS    Z1, 64(DI)
	ADDQ       $4, R8
	INCQ       R9
	ADDQ       $128, DI
	DECQ       CX
	JNZ        grow

gdone:
	VZEROUPPER
	RET

// func scatterTile32(dst, src *float32, ldc, mh int, idx *int32, p int, lanes uint32, bias *float32, mode int)
//
// The batched-convolution epilogue (epilogue.scatter) for one tile of C: for r < mh, lane i of row r
// (src[r*ldc + i], lanes set in lanes) goes to dst[idx[i] + r*p], after bias[r] is added (mode >= 1)
// and the sign bit's value cleared (mode 2, a ReLU: biasRelu32's bits). Two masked VSCATTERDPS per row
// instead of one copy per run of a sample's positions, which for 1x1 and 2x2 maps was a call per one
// to four values. The scatters of a row write distinct addresses (idx holds distinct positions), so the
// order of the stores does not matter. Needs AVX-512F.
TEXT ·scatterTile32(SB), NOSPLIT, $0-72
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         ldc+16(FP), R8
	SHLQ         $2, R8
	MOVQ         mh+24(FP), CX
	MOVQ         idx+32(FP), AX
	VMOVDQU32    (AX), Z20
	VMOVDQU32    64(AX), Z21
	VPBROADCASTD p+40(FP), Z22
	MOVL         lanes+48(FP), DX
	MOVL         DX, BX
	SHRL         $16, BX
	MOVQ         bias+56(FP), R9
	MOVQ         mode+64(FP), R10
	KMOVW        DX, K3
	KMOVW        BX, K4
	TESTQ        CX, CX
	JLE          scdone

scrow:
	VMOVUPS.Z (SI), K3, Z0
	VMOVUPS.Z 64(SI), K4, Z1
	CMPQ      R10, $0
	JEQ       scstore
	VBROADCASTSS (R9), Z2
	VADDPS    Z0, Z2, Z0 // b + v, operands in biasReluAVX512's order (which NaN wins)
	VADDPS    Z1, Z2, Z1
	CMPQ      R10, $2
	JNE       scstore
	VPSRAD    $31, Z0, Z2
	VPANDND   Z0, Z2, Z0
	VPSRAD    $31, Z1, Z3
	VPANDND   Z1, Z3, Z1

scstore:
	KMOVW       DX, K1
	KMOVW       BX, K2
	VSCATTERDPS Z0, K1, (DI)(Z20*4)
	VSCATTERDPS Z1, K2, (DI)(Z21*4)
	VPADDD      Z22, Z20, Z20
	VPADDD      Z22, Z21, Z21
	ADDQ        R8, SI
	ADDQ        $4, R9
	DECQ        CX
	JNZ         scrow

scdone:
	VZEROUPPER
	RET

// func biasReluAVX2(dst, src *float32, n int, b float32)
//
// biasReluAVX512 for CPUs with AVX2 only, n a multiple of 8 (biasRelu32 does the rest in Go): the same
// three operations per value, eight at a time.
TEXT ·biasReluAVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS b+24(FP), Y1

relu8:
	CMPQ   CX, $8
	JLT    relu8done
	VADDPS (SI), Y1, Y0
	VPSRAD $31, Y0, Y2
	VPANDN Y0, Y2, Y0
	VMOVUPS Y0, (DI)
	ADDQ   $32, SI
	ADDQ   $32, DI
	SUBQ   $8, CX
	JMP    relu8

relu8done:
	VZEROUPPER
	RET

// func packConvRows32Two(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks0, masks1 *uint32, kc int)
//
// packConvRows32 for a panel over two samples side by side (stride 1, OW == W): lane i of row r is
// x[base0 + offs[r] + i] where bit i of masks0[taps[r]] is set, x[base1 + offs[r] + i] where bit i of
// masks1[taps[r]] is (the two sets are disjoint: the first sample's lanes, then the second's), else 0.
// Four masked loads per row instead of packConvRows32G's two gathers. Needs AVX-512F.
TEXT ·packConvRows32Two(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ base0+16(FP), AX
	LEAQ (SI)(AX*4), R12
	MOVQ base1+24(FP), AX
	LEAQ (SI)(AX*4), R13
	MOVQ offs+32(FP), R8
	MOVQ taps+40(FP), R9
	MOVQ masks0+48(FP), R10
	MOVQ masks1+56(FP), R11
	MOVQ kc+64(FP), CX
	TESTQ CX, CX
	JLE  twodone

tworow:
	MOVLQSX (R8), AX
	MOVBQZX (R9), DX
	MOVL    (R10)(DX*4), BX
	MOVL    (R11)(DX*4), DX
	KMOVW   BX, K1
	SHRL    $16, BX
	KMOVW   BX, K2
	KMOVW   DX, K3
	SHRL    $16, DX
	KMOVW   DX, K4
	VMOVUPS.Z (R12)(AX*4), K1, Z0
	VMOVUPS   (R13)(AX*4), K3, Z0
	VMOVUPS.Z 64(R12)(AX*4), K2, Z1
	VMOVUPS   64(R13)(AX*4), K4, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $4, R8
	INCQ    R9
	ADDQ    $128, DI
	DECQ    CX
	JNZ     tworow

twodone:
	VZEROUPPER
	RET

// func packRows16(dst, src *float32, ld, kc int)
//
// dst[p*16 : p*16+16] = src[p*ld : p*ld+16] for p < kc: packB's full 16-wide panel of the AVX2
// kernel, two YMM moves per row (a 64-byte array copy in Go went through memmove, a call per row:
// 10% of a 224x16 inference held to AVX2), prefetching four rows ahead as packRows32 does. Needs AVX.
TEXT ·packRows16(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), BX
	SHLQ  $2, BX
	MOVQ  kc+24(FP), CX
	TESTQ CX, CX
	JLE   rows16done

rows16:
	VMOVUPS    (SI), Y0
	VMOVUPS    32(SI), Y1
	PREFETCHT0 (SI)(BX*4)
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y1, 32(DI)
	ADDQ       BX, SI
	ADDQ       $64, DI
	DECQ       CX
	JNZ        rows16

rows16done:
	VZEROUPPER
	RET

// func packConvRows16(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, lanes *[256][8]int32)
//
// packConvRows32 for the AVX2 kernel's 16-wide panels: row r is x[base + offs[r] + i] for the lanes i
// whose bit is set in masks[taps[r]] (bits 0-15), zero elsewhere; two VMASKMOVPS per row (masked-off
// lanes are not read), their lane masks from the byte masks through lanes. Needs AVX2.
TEXT ·packConvRows16(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ base+16(FP), AX
	LEAQ (SI)(AX*4), SI
	MOVQ offs+24(FP), R8
	MOVQ taps+32(FP), R9
	MOVQ masks+40(FP), R10
	MOVQ kc+48(FP), CX
	MOVQ lanes+56(FP), R11
	TESTQ CX, CX
	JLE  c16done

c16row:
	MOVLQSX    (R8), AX
	MOVBQZX    (R9), DX
	MOVL       (R10)(DX*4), DX
	CMPW       DX, $-1
	JEQ        c16full
	MOVQ       DX, BX
	ANDQ       $0xff, BX
	SHLQ       $5, BX
	VMOVDQU    (R11)(BX*1), Y2
	SHRQ       $8, DX
	ANDQ       $0xff, DX
	SHLQ       $5, DX
	VMOVDQU    (R11)(DX*1), Y3
	VMASKMOVPS (SI)(AX*4), Y2, Y0
	VMASKMOVPS 32(SI)(AX*4), Y3, Y1
	JMP        c16put

c16full: // all 16 lanes valid: plain loads (see packConvRows32)
	VMOVUPS    (SI)(AX*4), Y0
	VMOVUPS    32(SI)(AX*4), Y1

c16put:
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y1, 32(DI)
	ADDQ       $4, R8
	INCQ       R9
	ADDQ       $64, DI
	DECQ       CX
	JNZ        c16row

c16done:
	VZEROUPPER
	RET

// func packConvRows16Two(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks *[2][64]uint32, kc int, lanes *[256][8]int32)
//
// packConvRows32Two for the AVX2 kernel's 16-wide panels: lane i of row r is x[base0 + offs[r] + i]
// where bit i of masks[0][taps[r]] is set, x[base1 + offs[r] + i] where bit i of masks[1][taps[r]] is
// (disjoint sets), else 0: four VMASKMOVPS (masked-off lanes read as zero and are not read) and two
// ORs per row instead of packConvRows16G's two VGATHERDPS, which were 4.6% of a 224x16 inference held
// to AVX2 on the Zen 5 VM (7x7 and 14x14 maps, whose panels cross from one sample into the next).
// masks[1] is 256 bytes after masks[0] (maxConvK*maxConvK entries). Needs AVX2.
TEXT ·packConvRows16Two(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ base0+16(FP), AX
	LEAQ (SI)(AX*4), R12
	MOVQ base1+24(FP), AX
	LEAQ (SI)(AX*4), R13
	MOVQ offs+32(FP), R8
	MOVQ taps+40(FP), R9
	MOVQ masks+48(FP), R10
	MOVQ kc+56(FP), CX
	MOVQ lanes+64(FP), R11
	TESTQ CX, CX
	JLE  t16done

t16row:
	MOVLQSX    (R8), AX
	MOVBQZX    (R9), DX
	MOVL       (R10)(DX*4), BX    // the first sample's lanes
	MOVL       256(R10)(DX*4), DX // the second's
	MOVQ       BX, SI
	ANDQ       $0xff, SI
	SHLQ       $5, SI
	VMOVDQU    (R11)(SI*1), Y2
	SHRQ       $8, BX
	ANDQ       $0xff, BX
	SHLQ       $5, BX
	VMOVDQU    (R11)(BX*1), Y3
	MOVQ       DX, SI
	ANDQ       $0xff, SI
	SHLQ       $5, SI
	VMOVDQU    (R11)(SI*1), Y4
	SHRQ       $8, DX
	ANDQ       $0xff, DX
	SHLQ       $5, DX
	VMOVDQU    (R11)(DX*1), Y5
	VMASKMOVPS (R12)(AX*4), Y2, Y0
	VMASKMOVPS (R13)(AX*4), Y4, Y6
	VORPS      Y6, Y0, Y0
	VMASKMOVPS 32(R12)(AX*4), Y3, Y1
	VMASKMOVPS 32(R13)(AX*4), Y5, Y7
	VORPS      Y7, Y1, Y1
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y1, 32(DI)
	ADDQ       $4, R8
	INCQ       R9
	ADDQ       $64, DI
	DECQ       CX
	JNZ        t16row

t16done:
	VZEROUPPER
	RET

// func packConvRows16G(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, idx *int32, lanes *[256][8]int32)
//
// packConvRows32G for 16-wide panels: lane i of row r is x[base + offs[r] + idx[i]] where bit i of
// masks[taps[r]] is set, else 0, by two masked VGATHERDPS of 8. Needs AVX2.
TEXT ·packConvRows16G(SB), NOSPLIT, $0-72
	MOVQ    dst+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    base+16(FP), AX
	LEAQ    (SI)(AX*4), R12
	MOVQ    offs+24(FP), R8
	MOVQ    taps+32(FP), R9
	MOVQ    masks+40(FP), R10
	MOVQ    kc+48(FP), CX
	MOVQ    idx+56(FP), AX
	VMOVDQU (AX), Y4
	VMOVDQU 32(AX), Y5
	MOVQ    lanes+64(FP), R11
	TESTQ   CX, CX
	JLE     g16done

g16row:
	MOVLQSX    (R8), AX
	MOVBQZX    (R9), DX
	MOVL       (R10)(DX*4), DX
	LEAQ       (R12)(AX*4), SI
	MOVQ       DX, BX
	ANDQ       $0xff, BX
	SHLQ       $5, BX
	VMOVDQU    (R11)(BX*1), Y2
	SHRQ       $8, DX
	ANDQ       $0xff, DX
	SHLQ       $5, DX
	VMOVDQU    (R11)(DX*1), Y3
	VPXOR      Y0, Y0, Y0
	VPXOR      Y1, Y1, Y1
	VGATHERDPS Y2, (SI)(Y4*4), Y0
	VGATHERDPS Y3, (SI)(Y5*4), Y1
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y1, 32(DI)
	ADDQ       $4, R8
	INCQ       R9
	ADDQ       $64, DI
	DECQ       CX
	JNZ        g16row

g16done:
	VZEROUPPER
	RET

// func sgemmKernel6x32Rows(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool, rows int)
//
// sgemmKernel6x32Bias (bias nil: no epilogue) for a tile of rows < 6 rows of C (the last A panel of an
// M that is not a multiple of 6): only rows 0..rows-1 of C are read (acc), biased and stored, so the
// tile needs no edge buffer and copy, and the FMAs run on the first two, four or six rows of the panel
// only (rows <= 2, <= 4, else). The same operations on the kept rows as the full kernel: the same bits.
// Needs AVX-512F.
TEXT ·sgemmKernel6x32Rows(SB), NOSPLIT, $0-72
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	MOVBLZX acc+40(FP), R9
	MOVQ bias+48(FP), BX
	MOVBLZX relu+56(FP), R10
	MOVQ rows+64(FP), R13
	SHLQ $2, R8

	ZERO_Z0_Z11

	TESTQ R13, R13
	JLE   rdone
	TESTQ CX, CX
	JEQ   rstore
	CMPQ  R13, $2
	JLE   rloop2
	CMPQ  R13, $4
	JLE   rloop4

rloop:
	KERNEL6x32_STEP
	JNE          rloop
	JMP          rstore

rloop4: // rows 0-3 only: the others are not stored
	KERNEL4x32_STEP
	JNE          rloop4
	JMP          rstore

rloop2: // rows 0-1 only
	KERNEL2x32_STEP
	JNE          rloop2

rstore:
	// row 0
	TESTQ   R9, R9
	JEQ     rb0
	VADDPS  (DX), Z0, Z0
	VADDPS  64(DX), Z1, Z1
rb0:
	TESTQ   BX, BX
	JEQ     rs0
	VBROADCASTSS 0(BX), Z14
	VADDPS       Z14, Z0, Z0
	VADDPS       Z14, Z1, Z1
	TESTQ   R10, R10
	JEQ     rs0
	VPSRAD  $31, Z0, Z15
	VPANDND Z0, Z15, Z0
	VPSRAD  $31, Z1, Z15
	VPANDND Z1, Z15, Z1
rs0:
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	DECQ    R13
	JEQ     rdone
	ADDQ    R8, DX
	// row 1
	TESTQ   R9, R9
	JEQ     rb1
	VADDPS  (DX), Z2, Z2
	VADDPS  64(DX), Z3, Z3
rb1:
	TESTQ   BX, BX
	JEQ     rs1
	VBROADCASTSS 4(BX), Z14
	VADDPS       Z14, Z2, Z2
	VADDPS       Z14, Z3, Z3
	TESTQ   R10, R10
	JEQ     rs1
	VPSRAD  $31, Z2, Z15
	VPANDND Z2, Z15, Z2
	VPSRAD  $31, Z3, Z15
	VPANDND Z3, Z15, Z3
rs1:
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	DECQ    R13
	JEQ     rdone
	ADDQ    R8, DX
	// row 2
	TESTQ   R9, R9
	JEQ     rb2
	VADDPS  (DX), Z4, Z4
	VADDPS  64(DX), Z5, Z5
rb2:
	TESTQ   BX, BX
	JEQ     rs2
	VBROADCASTSS 8(BX), Z14
	VADDPS       Z14, Z4, Z4
	VADDPS       Z14, Z5, Z5
	TESTQ   R10, R10
	JEQ     rs2
	VPSRAD  $31, Z4, Z15
	VPANDND Z4, Z15, Z4
	VPSRAD  $31, Z5, Z15
	VPANDND Z5, Z15, Z5
rs2:
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	DECQ    R13
	JEQ     rdone
	ADDQ    R8, DX
	// row 3
	TESTQ   R9, R9
	JEQ     rb3
	VADDPS  (DX), Z6, Z6
	VADDPS  64(DX), Z7, Z7
rb3:
	TESTQ   BX, BX
	JEQ     rs3
	VBROADCASTSS 12(BX), Z14
	VADDPS       Z14, Z6, Z6
	VADDPS       Z14, Z7, Z7
	TESTQ   R10, R10
	JEQ     rs3
	VPSRAD  $31, Z6, Z15
	VPANDND Z6, Z15, Z6
	VPSRAD  $31, Z7, Z15
	VPANDND Z7, Z15, Z7
rs3:
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	DECQ    R13
	JEQ     rdone
	ADDQ    R8, DX
	// row 4
	TESTQ   R9, R9
	JEQ     rb4
	VADDPS  (DX), Z8, Z8
	VADDPS  64(DX), Z9, Z9
rb4:
	TESTQ   BX, BX
	JEQ     rs4
	VBROADCASTSS 16(BX), Z14
	VADDPS       Z14, Z8, Z8
	VADDPS       Z14, Z9, Z9
	TESTQ   R10, R10
	JEQ     rs4
	VPSRAD  $31, Z8, Z15
	VPANDND Z8, Z15, Z8
	VPSRAD  $31, Z9, Z15
	VPANDND Z9, Z15, Z9
rs4:
	VMOVUPS Z8, (DX)
	VMOVUPS Z9, 64(DX)
	DECQ    R13
	JEQ     rdone
	ADDQ    R8, DX
	// row 5
	TESTQ   R9, R9
	JEQ     rb5
	VADDPS  (DX), Z10, Z10
	VADDPS  64(DX), Z11, Z11
rb5:
	TESTQ   BX, BX
	JEQ     rs5
	VBROADCASTSS 20(BX), Z14
	VADDPS       Z14, Z10, Z10
	VADDPS       Z14, Z11, Z11
	TESTQ   R10, R10
	JEQ     rs5
	VPSRAD  $31, Z10, Z15
	VPANDND Z10, Z15, Z10
	VPSRAD  $31, Z11, Z15
	VPANDND Z11, Z15, Z11
rs5:
	VMOVUPS Z10, (DX)
	VMOVUPS Z11, 64(DX)

rdone:
	VZEROUPPER
	RET
