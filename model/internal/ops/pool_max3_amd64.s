//go:build amd64

#include "textflag.h"

// AVX-512 kernels of the 3x3 max pool (pool_max3.go). Both treat a block of whole planes as one flat
// array and handle the window borders with per-lane validity masks from periodic tables, so a 2x2 or
// 7x7 plane costs no more per value than a 112x112 one. Within a window the first maximum wins: a
// later value is taken only when it is strictly greater (or is the first valid one), as in the Go
// kernels; a NaN anywhere in the window makes the result NaN.

// STORE_NOTE: the V passes store whole vectors with plain stores and only the last, partial one
// under a mask: masked stores are slower on AMD (on the Zen 5 VM of 2026-12-04 a scratch copy of
// maxPoolV3V's loop streamed 64 MB at 15-17 GB/s with the masked store, 18-19 with a plain one), and
// AVX2's VMASKMOVPS store much more so.

// PREFETCH_NOTE: the H passes read x with masked loads, and on AMD Zen 5 a masked load that misses
// the cache is slow to fetch its line: maxPoolH3V streamed a 51 MB input at 4.5 GB/s, against 12-17
// GB/s with the lines asked for 1 KB (16 iterations) ahead. A prefetch never faults, so reading past
// the end of x is harmless.

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
	PREFETCHT0 1024(DI) // see PREFETCH_NOTE
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

// func maxPoolV3(hv *float32, hc *int32, ov0, w, pl, n int, y *float32, idx unsafe.Pointer, tbl *uint32, tp, narrow int)
//
// For i in [0, n), 16 at a time, with table entry e = tbl[18*((i/16) % tp):] (e[0:16] the lanes'
// positions in their plane, e[16:18] three 16-bit masks): over the row taps r = 0, 1, 2 valid in lane
// i, y[i] = the first maximum of hv[i+ov0+r*w] and idx[i] = pos + ov0 + r*w - pl + hc[i+ov0+r*w],
// the plane index of that value. Only lanes below n are stored. idx may be nil, and then hc may be
// too: its loads are pointed at hv (the same cache lines as the value loads) and nothing is stored.
// With narrow != 0, idx is a *uint16 and the positions are stored as 16-bit values (VPMOVDW: the
// caller knows they fit), the training graph's kept argmaxes, with no int32 copy to convert.
TEXT ·maxPoolV3(SB), NOSPLIT, $0-88
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
	CMPQ    narrow+80(FP), $0
	JNE     vnarrow
	VMOVDQU32 Z5, K7, (R11)
	ADDQ    $64, R11
	JMP     vnext

vnarrow:
	VPMOVDW Z5, K7, (R11)
	ADDQ    $32, R11

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

// func maxPoolH3V(x *float32, d0, n int, hv *float32, hm *uint16, hp int)
//
// maxPoolH3 without the window positions (inference): hv[i] = the maximum of the valid x[i+d0+t],
// NaN if one of them is NaN. VMAXPS with the new value as its first source takes it only when it is
// strictly greater, so equal values (+0 and -0) keep the first one, as maxPoolH3 does; VMAXPS drops a
// NaN, so the NaN lanes are found by two unordered compares and set afterwards.
TEXT ·maxPoolH3V(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), DI
	MOVQ d0+8(FP), AX
	LEAQ (DI)(AX*4), DI // x + d0
	MOVQ n+16(FP), CX
	MOVQ hv+24(FP), SI
	MOVQ hm+32(FP), R8 // table base
	MOVQ hp+40(FP), R9
	LEAQ (R9)(R9*2), R9
	ADDQ R9, R9
	ADDQ R8, R9 // table end: base + 6*hp bytes
	MOVQ R8, R10

	MOVL         $0xff800000, AX
	VPBROADCASTD AX, Z31 // -inf
	MOVL         $0x7fc00000, AX
	VPBROADCASTD AX, Z30 // NaN

hvloop:
	TESTQ CX, CX
	JLE   hvdone
	KXNORW K7, K7, K7
	CMPQ  CX, $16
	JGE   hvfull
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K7

hvfull:
	PREFETCHT0 1024(DI) // see PREFETCH_NOTE
	KMOVW (R10), K1
	KMOVW 2(R10), K2
	KMOVW 4(R10), K3
	KANDW K7, K1, K1
	KANDW K7, K2, K2
	KANDW K7, K3, K3

	VMOVAPS Z31, Z0
	VMOVUPS (DI), K1, Z0
	VMOVAPS Z31, Z1
	VMOVUPS 4(DI), K2, Z1
	VMOVAPS Z31, Z2
	VMOVUPS 8(DI), K3, Z2
	VCMPPS  $3, Z1, Z0, K5 // a NaN in tap 0 or 1
	VCMPPS  $3, Z2, Z2, K6 // in tap 2
	KORW    K6, K5, K5
	VMAXPS  Z0, Z1, Z0     // Z1 > Z0 ? Z1 : Z0
	VMAXPS  Z0, Z2, Z0
	VMOVAPS Z30, K5, Z0
	VMOVUPS Z0, (SI)

	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $16, CX
	ADDQ $6, R10
	CMPQ R10, R9
	JLT  hvloop
	MOVQ R8, R10
	JMP  hvloop

hvdone:
	VZEROUPPER
	RET

// func maxPoolV3V(hv *float32, ov0, w, n int, y *float32, tbl *uint32, tp int)
//
// maxPoolV3 without the window positions (inference): y[i] = the maximum of the valid
// hv[i+ov0+r*w], NaN if one of them is NaN, with maxPoolH3V's tie and NaN rules. Only lanes below n
// are stored.
TEXT ·maxPoolV3V(SB), NOSPLIT, $0-56
	MOVQ hv+0(FP), SI
	MOVQ ov0+8(FP), AX
	LEAQ (SI)(AX*4), SI
	MOVQ w+16(FP), BX
	SHLQ $2, BX // row stride in bytes
	MOVQ n+24(FP), CX
	MOVQ y+32(FP), DI
	MOVQ tbl+40(FP), R8
	MOVQ tp+48(FP), R9
	LEAQ (R9)(R9*8), R9
	SHLQ $3, R9
	ADDQ R8, R9 // table end: base + 72*tp bytes
	MOVQ R8, R10

	MOVL         $0xff800000, AX
	VPBROADCASTD AX, Z31
	MOVL         $0x7fc00000, AX
	VPBROADCASTD AX, Z30

vvloop:
	TESTQ CX, CX
	JLE   vvdone
	KXNORW K7, K7, K7
	CMPQ  CX, $16
	JGE   vvfull
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K7

vvfull:
	KMOVW 64(R10), K1
	KMOVW 66(R10), K2
	KMOVW 68(R10), K3
	KANDW K7, K1, K1
	KANDW K7, K2, K2
	KANDW K7, K3, K3

	VMOVAPS Z31, Z0
	VMOVUPS (SI), K1, Z0
	VMOVAPS Z31, Z1
	VMOVUPS (SI)(BX*1), K2, Z1
	VMOVAPS Z31, Z2
	VMOVUPS (SI)(BX*2), K3, Z2
	VCMPPS  $3, Z1, Z0, K5
	VCMPPS  $3, Z2, Z2, K6
	KORW    K6, K5, K5
	VMAXPS  Z0, Z1, Z0
	VMAXPS  Z0, Z2, Z0
	VMOVAPS Z30, K5, Z0
	CMPQ    CX, $16
	JL      vvtail
	VMOVUPS Z0, (DI) // a whole vector: a plain store (see STORE_NOTE)
	JMP     vvnext

vvtail:
	VMOVUPS Z0, K7, (DI)

vvnext:
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	ADDQ $72, R10
	CMPQ R10, R9
	JLT  vvloop
	MOVQ R8, R10
	JMP  vvloop

vvdone:
	VZEROUPPER
	RET

// evens<> is the VPERMT2PS index vector that picks lanes 0, 2, ..., 30 of two vectors.
DATA evens<>+0(SB)/4, $0
DATA evens<>+4(SB)/4, $2
DATA evens<>+8(SB)/4, $4
DATA evens<>+12(SB)/4, $6
DATA evens<>+16(SB)/4, $8
DATA evens<>+20(SB)/4, $10
DATA evens<>+24(SB)/4, $12
DATA evens<>+28(SB)/4, $14
DATA evens<>+32(SB)/4, $16
DATA evens<>+36(SB)/4, $18
DATA evens<>+40(SB)/4, $20
DATA evens<>+44(SB)/4, $22
DATA evens<>+48(SB)/4, $24
DATA evens<>+52(SB)/4, $26
DATA evens<>+56(SB)/4, $28
DATA evens<>+60(SB)/4, $30
GLOBL evens<>(SB), RODATA, $64

// func pickEvenRows(dst unsafe.Pointer, src *uint32, rows, ow, ss, narrow int)
//
// For r < rows and j < ow: dst[r*ow + j] = src[r*ss + 2*j], 16 values at a time; src is read only at
// the values it gives (src[r*ss : r*ss+2*ow-1]), dst written only at its own. Bits are moved, not
// values: it serves float32 maxima and int32 positions alike. With narrow != 0, dst is a *uint16 and
// gets the low 16 bits of each value (positions that fit).
TEXT ·pickEvenRows(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ ow+24(FP), R9
	MOVQ ss+32(FP), R10
	SHLQ $2, R10 // source row stride in bytes
	MOVQ narrow+40(FP), R12
	VMOVDQU32 evens<>(SB), Z31

prow:
	TESTQ R8, R8
	JLE   pdone
	MOVQ  SI, R11 // source of this row
	MOVQ  R9, CX  // outputs left in this row

pvec:
	TESTQ CX, CX
	JLE   pnext
	CMPQ  CX, $16
	JL    ptail
	// 16 outputs read 31 values: the first vector whole, the second but its last lane.
	VMOVUPS   (R11), Z0
	MOVL      $0x7fff, AX
	KMOVW     AX, K2
	VMOVUPS.Z 64(R11), K2, Z1
	VPERMT2PS Z1, Z31, Z0
	ADDQ      $128, R11
	SUBQ      $16, CX
	TESTQ     R12, R12
	JNZ       pnfull
	VMOVUPS   Z0, (DI)
	ADDQ      $64, DI
	JMP       pvec

pnfull:
	VPMOVDW Z0, (DI)
	ADDQ    $32, DI
	JMP     pvec

ptail:
	// c < 16 outputs read 2c-1 values: lanes [0, min(2c-1, 16)) of the first vector, the rest of the
	// second.
	LEAQ  -1(CX)(CX*1), BX // 2c-1
	MOVQ  $0xffff, AX
	CMPQ  BX, $16
	JGE   pfirst
	MOVQ  $1, AX
	MOVQ  BX, DX
	SHLXQ DX, AX, AX
	DECQ  AX

pfirst:
	KMOVW AX, K1
	XORQ  AX, AX
	SUBQ  $16, BX
	JLE   psecond
	MOVQ  $1, AX
	SHLXQ BX, AX, AX
	DECQ  AX

psecond:
	KMOVW     AX, K2
	VMOVUPS.Z (R11), K1, Z0
	VMOVUPS.Z 64(R11), K2, Z1
	VPERMT2PS Z1, Z31, Z0
	MOVQ      $1, AX
	SHLXQ     CX, AX, AX
	DECQ      AX
	KMOVW     AX, K3
	TESTQ     R12, R12
	JNZ       pntail
	VMOVUPS   Z0, K3, (DI)
	LEAQ      (DI)(CX*4), DI
	JMP       pnext

pntail:
	VPMOVDW Z0, K3, (DI)
	LEAQ    (DI)(CX*2), DI

pnext:
	ADDQ R10, SI
	DECQ R8
	JMP  prow

pdone:
	VZEROUPPER
	RET

// LANES8(src, tail, dst) loads into dst the lane mask of byte src ANDed with the tail lanes tail
// (the lanes table kern.LaneMasks8 in R11; clobbers AX): the AVX2 kernels' per-tap validity masks.
#define LANES8(src, tail, dst) \
	MOVBQZX src, AX; \
	ANDQ    tail, AX; \
	SHLQ    $5, AX; \
	VMOVDQU (R11)(AX*1), dst

// The AVX2 forms of maxPoolH3V and maxPoolV3V, for CPUs without AVX-512: 8 lanes, the tables'
// per-vector byte masks expanded to lane masks through the lanes table (kern.LaneMasks8), invalid lanes
// filled with -inf by VBLENDVPS after a VMASKMOVPS load (which does not read them).

// func maxPoolH3VAVX2(x *float32, d0, n int, hv *float32, hm *uint8, hp int, lanes *[256][8]int32)
//
// maxPoolH3V, 8 at a time: over the taps t valid in lane i (bit i%8 of hm[3*v+t], v = (i/8) % hp),
// hv[i] = the maximum of x[i+d0+t], NaN if one of them is NaN. hv is written in whole vectors.
TEXT ·maxPoolH3VAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), DI
	MOVQ d0+8(FP), AX
	LEAQ (DI)(AX*4), DI
	MOVQ n+16(FP), CX
	MOVQ hv+24(FP), SI
	MOVQ hm+32(FP), R8
	MOVQ hp+40(FP), R9
	LEAQ (R9)(R9*2), R9
	ADDQ R8, R9 // table end: base + 3*hp bytes
	MOVQ R8, R10
	MOVQ lanes+48(FP), R11

	MOVL         $0xff800000, AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15 // -inf
	MOVL         $0x7fc00000, AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14 // NaN

h2loop:
	TESTQ CX, CX
	JLE   h2done
	// The tail: lanes at or past n are invalid for every tap.
	MOVQ  $0xff, BX
	CMPQ  CX, $8
	JGE   h2full
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX

h2full:
	PREFETCHT0 1024(DI) // see PREFETCH_NOTE
	LANES8((R10), BX, Y3)
	LANES8(1(R10), BX, Y4)
	LANES8(2(R10), BX, Y5)

	VMASKMOVPS (DI), Y3, Y0
	VBLENDVPS  Y3, Y0, Y15, Y0 // valid ? x : -inf
	VMASKMOVPS 4(DI), Y4, Y1
	VBLENDVPS  Y4, Y1, Y15, Y1
	VMASKMOVPS 8(DI), Y5, Y2
	VBLENDVPS  Y5, Y2, Y15, Y2
	VCMPPS     $3, Y1, Y0, Y6 // a NaN in tap 0 or 1
	VCMPPS     $3, Y2, Y2, Y7 // in tap 2
	VORPS      Y7, Y6, Y6
	VMAXPS     Y0, Y1, Y0     // Y1 > Y0 ? Y1 : Y0
	VMAXPS     Y0, Y2, Y0
	VBLENDVPS  Y6, Y14, Y0, Y0
	VMOVUPS    Y0, (SI)

	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	ADDQ $3, R10
	CMPQ R10, R9
	JLT  h2loop
	MOVQ R8, R10
	JMP  h2loop

h2done:
	VZEROUPPER
	RET

// func maxPoolV3VAVX2(hv *float32, ov0, w, n int, y *float32, vt *uint32, tp int, lanes *[256][8]int32)
//
// maxPoolV3V, 8 at a time: over the row taps r valid in lane i (bit i%8 of byte r of vt[10*v+8],
// v = (i/8) % tp: maxPoolV3AVX2's table, whose lane positions this kernel does not read),
// y[i] = the maximum of hv[i+ov0+r*w], NaN if one is NaN. Only lanes below n are stored.
TEXT ·maxPoolV3VAVX2(SB), NOSPLIT, $0-64
	MOVQ hv+0(FP), SI
	MOVQ ov0+8(FP), AX
	LEAQ (SI)(AX*4), SI
	MOVQ w+16(FP), DX
	SHLQ $2, DX // row stride in bytes
	MOVQ n+24(FP), CX
	MOVQ y+32(FP), DI
	MOVQ vt+40(FP), R8
	MOVQ tp+48(FP), R9
	LEAQ (R9)(R9*4), R9
	SHLQ $3, R9
	ADDQ R8, R9 // table end: base + 40*tp bytes
	MOVQ R8, R10
	MOVQ lanes+56(FP), R11

	MOVL         $0xff800000, AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x7fc00000, AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14

v2loop:
	TESTQ CX, CX
	JLE   v2done
	MOVQ  $0xff, BX
	CMPQ  CX, $8
	JGE   v2full
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX

v2full:
	LANES8(32(R10), BX, Y3)
	LANES8(33(R10), BX, Y4)
	LANES8(34(R10), BX, Y5)
	SHLQ    $5, BX
	VMOVDQU (R11)(BX*1), Y8 // the lanes to store

	VMASKMOVPS (SI), Y3, Y0
	VBLENDVPS  Y3, Y0, Y15, Y0
	VMASKMOVPS (SI)(DX*1), Y4, Y1
	VBLENDVPS  Y4, Y1, Y15, Y1
	VMASKMOVPS (SI)(DX*2), Y5, Y2
	VBLENDVPS  Y5, Y2, Y15, Y2
	VCMPPS     $3, Y1, Y0, Y6
	VCMPPS     $3, Y2, Y2, Y7
	VORPS      Y7, Y6, Y6
	VMAXPS     Y0, Y1, Y0
	VMAXPS     Y0, Y2, Y0
	VBLENDVPS  Y6, Y14, Y0, Y0
	CMPQ       CX, $8
	JL         v2tail
	VMOVUPS    Y0, (DI) // a whole vector: a plain store (see STORE_NOTE)
	JMP        v2next

v2tail:
	VMASKMOVPS Y0, Y8, (DI)

v2next:
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	ADDQ $40, R10
	CMPQ R10, R9
	JLT  v2loop
	MOVQ R8, R10
	JMP  v2loop

v2done:
	VZEROUPPER
	RET

// The AVX2 forms of maxPoolH3 and maxPoolV3 (window positions kept: training on CPUs without AVX-512),
// with the same rules as the AVX-512 kernels; lane masks are vectors (all ones or zero per lane).

// func maxPoolH3AVX2(x *float32, d0, n int, hv *float32, hc *int32, hm *uint8, hp int, lanes *[256][8]int32)
//
// maxPoolH3, 8 at a time (tables as maxPoolH3VAVX2's): hv[i] = the first maximum of the valid
// x[i+d0+t], hc[i] = its t. Both written in whole vectors.
TEXT ·maxPoolH3AVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), DI
	MOVQ d0+8(FP), AX
	LEAQ (DI)(AX*4), DI
	MOVQ n+16(FP), CX
	MOVQ hv+24(FP), SI
	MOVQ hc+32(FP), DX
	MOVQ hm+40(FP), R8
	MOVQ hp+48(FP), R9
	LEAQ (R9)(R9*2), R9
	ADDQ R8, R9
	MOVQ R8, R10
	MOVQ lanes+56(FP), R11

	MOVL         $0xff800000, AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15 // -inf
	MOVL         $0x7fc00000, AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14 // NaN
	MOVL         $1, AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13 // 1
	MOVL         $2, AX
	MOVQ         AX, X12
	VPBROADCASTD X12, Y12 // 2

hp2loop:
	TESTQ CX, CX
	JLE   hp2done
	MOVQ  $0xff, BX
	CMPQ  CX, $8
	JGE   hp2full
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX

hp2full:
	PREFETCHT0 1024(DI) // see PREFETCH_NOTE
	LANES8((R10), BX, Y3)  // tap 0 lanes
	LANES8(1(R10), BX, Y4) // tap 1
	LANES8(2(R10), BX, Y5) // tap 2

	// tap 0
	VMASKMOVPS (DI), Y3, Y0
	VBLENDVPS  Y3, Y0, Y15, Y0
	VPXOR      Y8, Y8, Y8     // positions
	VMOVDQA    Y3, Y9         // lanes with a valid value so far
	VCMPPS     $3, Y0, Y0, Y10 // NaN lanes (invalid ones hold -inf)

	// tap 1
	VMASKMOVPS 4(DI), Y4, Y1
	VBLENDVPS  Y4, Y1, Y15, Y1
	VCMPPS     $0x1e, Y0, Y1, Y6 // Y1 > Y0
	VPANDN     Y4, Y9, Y7        // valid here and not before
	VPOR       Y7, Y6, Y6
	VPAND      Y4, Y6, Y6        // taken
	VBLENDVPS  Y6, Y1, Y0, Y0
	VBLENDVPS  Y6, Y13, Y8, Y8
	VPOR       Y4, Y9, Y9
	VCMPPS     $3, Y1, Y1, Y7
	VPOR       Y7, Y10, Y10

	// tap 2
	VMASKMOVPS 8(DI), Y5, Y2
	VBLENDVPS  Y5, Y2, Y15, Y2
	VCMPPS     $0x1e, Y0, Y2, Y6
	VPANDN     Y5, Y9, Y7
	VPOR       Y7, Y6, Y6
	VPAND      Y5, Y6, Y6
	VBLENDVPS  Y6, Y2, Y0, Y0
	VBLENDVPS  Y6, Y12, Y8, Y8
	VCMPPS     $3, Y2, Y2, Y7
	VPOR       Y7, Y10, Y10

	VBLENDVPS Y10, Y14, Y0, Y0
	VMOVUPS   Y0, (SI)
	VMOVDQU   Y8, (DX)

	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	ADDQ $3, R10
	CMPQ R10, R9
	JLT  hp2loop
	MOVQ R8, R10
	JMP  hp2loop

hp2done:
	VZEROUPPER
	RET

// func maxPoolV3AVX2(hv *float32, hc *int32, ov0, w, pl, n int, y *float32, idx *int32, vt *uint32, tp int, lanes *[256][8]int32)
//
// maxPoolV3, 8 at a time: with table entry e = vt[10*((i/8) % tp):] (e[0:8] the lanes' positions in
// their plane, then the byte masks of row taps 0, 1, 2), y[i] = the first maximum of the valid
// hv[i+ov0+r*w] and idx[i] = pos + ov0 + r*w - pl + hc[i+ov0+r*w]. Only lanes below n are stored.
TEXT ·maxPoolV3AVX2(SB), NOSPLIT, $0-88
	MOVQ hv+0(FP), SI
	MOVQ hc+8(FP), DX
	MOVQ ov0+16(FP), AX
	LEAQ (SI)(AX*4), SI
	LEAQ (DX)(AX*4), DX
	MOVQ w+24(FP), BX
	SHLQ $2, BX // row stride in bytes

	MOVQ ov0+16(FP), AX
	SUBQ pl+32(FP), AX
	MOVQ AX, X11
	VPBROADCASTD X11, Y11 // idx offset of row tap 0
	ADDQ w+24(FP), AX
	MOVQ AX, X12
	VPBROADCASTD X12, Y12
	ADDQ w+24(FP), AX
	MOVQ AX, X13
	VPBROADCASTD X13, Y13

	MOVQ n+40(FP), CX
	MOVQ y+48(FP), DI
	MOVQ idx+56(FP), R12
	MOVQ vt+64(FP), R8
	MOVQ tp+72(FP), R9
	LEAQ (R9)(R9*4), R9
	SHLQ $3, R9
	ADDQ R8, R9 // table end: base + 40*tp bytes
	MOVQ R8, R10
	MOVQ lanes+80(FP), R11

	MOVL         $0xff800000, AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x7fc00000, AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14

vp2loop:
	TESTQ CX, CX
	JLE   vp2done
	MOVQ  $0xff, R13
	CMPQ  CX, $8
	JGE   vp2full
	MOVQ  $1, R13
	SHLQ  CX, R13
	DECQ  R13

vp2full:
	LANES8(32(R10), R13, Y3)
	LANES8(33(R10), R13, Y4)
	LANES8(34(R10), R13, Y5)
	VMOVDQU (R10), Y2 // positions

	// row tap 0
	VMASKMOVPS (SI), Y3, Y0
	VBLENDVPS  Y3, Y0, Y15, Y0
	VPMASKMOVD (DX), Y3, Y8
	VPADDD     Y2, Y8, Y8
	VPADDD     Y11, Y8, Y8 // idx of tap 0
	VMOVDQA    Y3, Y9
	VCMPPS     $3, Y0, Y0, Y10

	// row tap 1
	VMASKMOVPS (SI)(BX*1), Y4, Y1
	VBLENDVPS  Y4, Y1, Y15, Y1
	VPMASKMOVD (DX)(BX*1), Y4, Y7
	VPADDD     Y2, Y7, Y7
	VPADDD     Y12, Y7, Y7
	VCMPPS     $0x1e, Y0, Y1, Y6
	VPANDN     Y4, Y9, Y5
	VPOR       Y5, Y6, Y6
	VPAND      Y4, Y6, Y6
	VBLENDVPS  Y6, Y1, Y0, Y0
	VBLENDVPS  Y6, Y7, Y8, Y8
	VPOR       Y4, Y9, Y9
	VCMPPS     $3, Y1, Y1, Y7
	VPOR       Y7, Y10, Y10

	// row tap 2 (its mask again: Y5 was reused above)
	LANES8(34(R10), R13, Y5)
	VMASKMOVPS (SI)(BX*2), Y5, Y1
	VBLENDVPS  Y5, Y1, Y15, Y1
	VPMASKMOVD (DX)(BX*2), Y5, Y7
	VPADDD     Y2, Y7, Y7
	VPADDD     Y13, Y7, Y7
	VCMPPS     $0x1e, Y0, Y1, Y6
	VPANDN     Y5, Y9, Y4
	VPOR       Y4, Y6, Y6
	VPAND      Y5, Y6, Y6
	VBLENDVPS  Y6, Y1, Y0, Y0
	VBLENDVPS  Y6, Y7, Y8, Y8
	VCMPPS     $3, Y1, Y1, Y7
	VPOR       Y7, Y10, Y10

	VBLENDVPS Y10, Y14, Y0, Y0
	SHLQ      $5, R13
	VMOVDQU   (R11)(R13*1), Y1 // the lanes to store
	CMPQ       CX, $8
	JL         vp2tail
	VMOVUPS    Y0, (DI) // whole vectors: plain stores (see STORE_NOTE)
	VMOVDQU    Y8, (R12)
	JMP        vp2next

vp2tail:
	VMASKMOVPS Y0, Y1, (DI)
	VPMASKMOVD Y8, Y1, (R12)

vp2next:
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	ADDQ $32, R12
	SUBQ $8, CX
	ADDQ $40, R10
	CMPQ R10, R9
	JLT  vp2loop
	MOVQ R8, R10
	JMP  vp2loop

vp2done:
	VZEROUPPER
	RET
