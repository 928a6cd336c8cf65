//go:build amd64

#include "textflag.h"

// AVX-512 kernels of the 3x3 max pool (pool_max3.go). Both treat a block of whole planes as one flat
// array and handle the window borders with per-lane validity masks from periodic tables, so a 2x2 or
// 7x7 plane costs no more per value than a 112x112 one. Within a window the first maximum wins: a
// later value is taken only when it is strictly greater (or is the first valid one), as in the Go
// kernels; a NaN anywhere in the window makes the result NaN.

// func maxPoolH3(x *float32, d0, n int, hv *float32, hc *int32, hm *uint16, hp int)
//
// For i in [0, n), 16 at a time: over the taps t = 0, 1, 2 valid in lane i (bit i%16 of
// hm[3*v+t], v = (i/16) % hp), hv[i] = the first maximum of x[i+d0+t] and hc[i] = its t. hv and hc
// are written in whole vectors (room for n rounded up to 16); x is read only where valid. hc may be
// nil (inference: no positions wanted); then only hv is written.
TEXT ·maxPoolH3(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), DI
	MOVQ d0+8(FP), AX
	LEAQ (DI)(AX*4), DI // x + d0
	MOVQ n+16(FP), CX
	MOVQ hv+24(FP), SI
	MOVQ hc+32(FP), DX
	MOVQ hm+40(FP), R8 // table base
	MOVQ hp+48(FP), R9
	LEAQ (R9)(R9*2), R9
	ADDQ R9, R9
	ADDQ R8, R9 // table end: base + 6*hp bytes
	MOVQ R8, R10 // current entry

	MOVL         $0xff800000, AX
	VPBROADCASTD AX, Z31 // -inf
	MOVL         $0x7fc00000, AX
	VPBROADCASTD AX, Z30 // NaN
	MOVL         $1, AX
	VPBROADCASTD AX, Z29
	MOVL         $2, AX
	VPBROADCASTD AX, Z28

hloop:
	TESTQ CX, CX
	JLE   hdone
	KXNORW K7, K7, K7
	CMPQ  CX, $16
	JGE   hfull
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K7

hfull:
	KMOVW (R10), K1
	KMOVW 2(R10), K2
	KMOVW 4(R10), K3
	KANDW K7, K1, K1
	KANDW K7, K2, K2
	KANDW K7, K3, K3

	// tap 0
	VMOVAPS   Z31, Z0
	VMOVUPS   (DI), K1, Z0
	VPXORD    Z4, Z4, Z4
	KMOVW     K1, K4           // lanes with a valid value so far
	VCMPPS    $3, Z0, Z0, K5   // NaN lanes
	KANDW     K1, K5, K5

	// tap 1
	VMOVAPS   Z31, Z1
	VMOVUPS   4(DI), K2, Z1
	VCMPPS    $0x1e, Z0, Z1, K6 // Z1 > Z0
	KNOTW     K4, K1
	KORW      K1, K6, K6
	KANDW     K2, K6, K6
	VMOVAPS   Z1, K6, Z0
	VMOVDQA32 Z29, K6, Z4
	KORW      K2, K4, K4
	VCMPPS    $3, Z1, Z1, K1
	KANDW     K2, K1, K1
	KORW      K1, K5, K5

	// tap 2
	VMOVAPS   Z31, Z1
	VMOVUPS   8(DI), K3, Z1
	VCMPPS    $0x1e, Z0, Z1, K6
	KNOTW     K4, K1
	KORW      K1, K6, K6
	KANDW     K3, K6, K6
	VMOVAPS   Z1, K6, Z0
	VMOVDQA32 Z28, K6, Z4
	VCMPPS    $3, Z1, Z1, K1
	KANDW     K3, K1, K1
	KORW      K1, K5, K5

	VMOVAPS   Z30, K5, Z0
	VMOVUPS   Z0, (SI)
	TESTQ     DX, DX
	JZ        hnext
	VMOVDQU32 Z4, (DX)
	ADDQ      $64, DX

hnext:
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $16, CX
	ADDQ $6, R10
	CMPQ R10, R9
	JLT  hloop
	MOVQ R8, R10
	JMP  hloop

hdone:
	VZEROUPPER
	RET

// func maxPoolV3(hv *float32, hc *int32, ov0, w, pl, n int, y *float32, idx *int32, tbl *uint32, tp int)
//
// For i in [0, n), 16 at a time, with table entry e = tbl[18*((i/16) % tp):] (e[0:16] the lanes'
// positions in their plane, e[16:18] three 16-bit masks): over the row taps r = 0, 1, 2 valid in lane
// i, y[i] = the first maximum of hv[i+ov0+r*w] and idx[i] = pos + ov0 + r*w - pl + hc[i+ov0+r*w],
// the plane index of that value. Only lanes below n are stored. idx may be nil, and then hc may be
// too: its loads are pointed at hv (the same cache lines as the value loads) and nothing is stored.
TEXT ·maxPoolV3(SB), NOSPLIT, $0-80
	MOVQ hv+0(FP), SI
	MOVQ hc+8(FP), DX
	MOVQ ov0+16(FP), AX
	LEAQ (SI)(AX*4), SI
	LEAQ (DX)(AX*4), DX
	MOVQ idx+56(FP), R11
	TESTQ R11, R11
	JNZ  vhc
	MOVQ SI, DX // no positions wanted: read hv for hc

vhc:
	MOVQ w+24(FP), BX
	SHLQ $2, BX // row stride in bytes

	MOVQ ov0+16(FP), AX
	SUBQ pl+32(FP), AX
	VPBROADCASTD AX, Z25 // idx offset of row tap 0
	ADDQ w+24(FP), AX
	VPBROADCASTD AX, Z26
	ADDQ w+24(FP), AX
	VPBROADCASTD AX, Z27

	MOVQ n+40(FP), CX
	MOVQ y+48(FP), DI
	MOVQ idx+56(FP), R11
	MOVQ tbl+64(FP), R8
	MOVQ tp+72(FP), R9
	LEAQ (R9)(R9*8), R9
	SHLQ $3, R9
	ADDQ R8, R9 // table end: base + 72*tp bytes
	MOVQ R8, R10

	MOVL         $0xff800000, AX
	VPBROADCASTD AX, Z31
	MOVL         $0x7fc00000, AX
	VPBROADCASTD AX, Z30

vloop:
	TESTQ CX, CX
	JLE   vdone
	KXNORW K7, K7, K7
	CMPQ  CX, $16
	JGE   vfull
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K7

vfull:
	KMOVW     64(R10), K1
	KMOVW     66(R10), K2
	KMOVW     68(R10), K3
	KANDW     K7, K1, K1
	KANDW     K7, K2, K2
	KANDW     K7, K3, K3
	VMOVDQU32 (R10), Z20 // positions

	// row tap 0
	VMOVAPS     Z31, Z0
	VMOVUPS     (SI), K1, Z0
	VMOVDQU32.Z (DX), K1, Z4
	VPADDD      Z20, Z4, Z5
	VPADDD      Z25, Z5, Z5
	KMOVW       K1, K4
	VCMPPS      $3, Z0, Z0, K5
	KANDW       K1, K5, K5

	// row tap 1
	VMOVAPS     Z31, Z1
	VMOVUPS     (SI)(BX*1), K2, Z1
	VMOVDQU32.Z (DX)(BX*1), K2, Z2
	VPADDD      Z20, Z2, Z2
	VPADDD      Z26, Z2, Z2
	VCMPPS      $0x1e, Z0, Z1, K6
	KNOTW       K4, K1
	KORW        K1, K6, K6
	KANDW       K2, K6, K6
	VMOVAPS     Z1, K6, Z0
	VMOVDQA32   Z2, K6, Z5
	KORW        K2, K4, K4
	VCMPPS      $3, Z1, Z1, K1
	KANDW       K2, K1, K1
	KORW        K1, K5, K5

	// row tap 2
	VMOVAPS     Z31, Z1
	VMOVUPS     (SI)(BX*2), K3, Z1
	VMOVDQU32.Z (DX)(BX*2), K3, Z2
	VPADDD      Z20, Z2, Z2
	VPADDD      Z27, Z2, Z2
	VCMPPS      $0x1e, Z0, Z1, K6
	KNOTW       K4, K1
	KORW        K1, K6, K6
	KANDW       K3, K6, K6
	VMOVAPS     Z1, K6, Z0
	VMOVDQA32   Z2, K6, Z5
	VCMPPS      $3, Z1, Z1, K1
	KANDW       K3, K1, K1
	KORW        K1, K5, K5

	VMOVAPS Z30, K5, Z0
	VMOVUPS Z0, K7, (DI)
	TESTQ   R11, R11
	JZ      vnext
	VMOVDQU32 Z5, K7, (R11)
	ADDQ    $64, R11

vnext:
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	ADDQ $72, R10
	CMPQ R10, R9
	JLT  vloop
	MOVQ R8, R10
	JMP  vloop

vdone:
	VZEROUPPER
	RET
