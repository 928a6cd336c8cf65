//go:build amd64

#include "textflag.h"

// func maskPositive32(y, dy, dz *float32, n int)
//
// The ReLU gradient (maskRun's float32 loop): dz[i] = dy[i] where y[i]'s bits, as an int32, are > 0
// (y > 0; -0 and negative values give 0), else +0; 16 values per compare and zero-masking load, the
// last n%16 under a lane mask. Needs AVX-512F.
TEXT ·maskPositive32(SB), NOSPLIT, $0-32
	MOVQ   y+0(FP), SI
	MOVQ   dy+8(FP), DX
	MOVQ   dz+16(FP), DI
	MOVQ   n+24(FP), CX
	VPXORD Z31, Z31, Z31

mloop:
	CMPQ        CX, $32
	JL          mone
	VMOVDQU32   (SI), Z0
	VMOVDQU32   64(SI), Z2
	VPCMPGTD    Z31, Z0, K1 // y > 0 as int32
	VPCMPGTD    Z31, Z2, K2
	VMOVDQU32.Z (DX), K1, Z1
	VMOVDQU32.Z 64(DX), K2, Z3
	VMOVDQU32   Z1, (DI)
	VMOVDQU32   Z3, 64(DI)
	ADDQ        $128, SI
	ADDQ        $128, DX
	ADDQ        $128, DI
	SUBQ        $32, CX
	JMP         mloop

mone:
	CMPQ        CX, $16
	JL          mtail
	VMOVDQU32   (SI), Z0
	VPCMPGTD    Z31, Z0, K1
	VMOVDQU32.Z (DX), K1, Z1
	VMOVDQU32   Z1, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DX
	ADDQ        $64, DI
	SUBQ        $16, CX

mtail:
	TESTQ       CX, CX
	JLE         mdone
	MOVQ        $1, AX
	SHLQ        CX, AX
	DECQ        AX
	KMOVW       AX, K2
	VMOVDQU32.Z (SI), K2, Z0
	VPCMPGTD    Z31, Z0, K2, K1
	VMOVDQU32.Z (DX), K1, Z1
	VMOVDQU32   Z1, K2, (DI)

mdone:
	VZEROUPPER
	RET

// func addTo32(dst, src *float32, n int)
//
// dst[i] += src[i] for i < n (col2im's runs): 16 values per VADDPS, the last n%16 under a lane mask.
// Each element is one float32 add, as in the Go loop. Needs AVX-512F.
TEXT ·addTo32(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

aloop:
	CMPQ    CX, $16
	JL      atail
	VMOVUPS (SI), Z0
	VADDPS  (DI), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     aloop

atail:
	TESTQ       CX, CX
	JLE         adone
	MOVQ        $1, AX
	SHLQ        CX, AX
	DECQ        AX
	KMOVW       AX, K1
	VMOVUPS.Z   (SI), K1, Z0
	VMOVUPS.Z   (DI), K1, Z1
	VADDPS      Z1, Z0, Z0
	VMOVUPS     Z0, K1, (DI)

adone:
	VZEROUPPER
	RET

// func gatherTaps32(dst *float32, ld int, src *float32, tbl *int32, kk, p int)
//
// im2colChunk's gather for one channel of one sample: for tap < kk and i < p,
// dst[tap*ld + i] = src[tbl[tap*p + i]] (src the zero-padded plane, tbl its tap table), with masked
// VGATHERDPS, 16 values at a time, each row's last p%16 under a lane mask. Needs AVX-512F.
TEXT ·gatherTaps32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ld+8(FP), R8
	SHLQ $2, R8 // row stride in bytes
	MOVQ src+16(FP), SI
	MOVQ tbl+24(FP), DX
	MOVQ kk+32(FP), R9
	MOVQ p+40(FP), R10

	// K3: the lanes of a row's last p%16 values (0 when none).
	MOVQ R10, CX
	ANDQ $15, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K3

gtap:
	TESTQ R9, R9
	JLE   gdone2
	MOVQ  DI, R11 // this tap's row
	MOVQ  R10, CX // values left in it

gvec:
	CMPQ        CX, $16
	JL          gtail
	VMOVDQU32   (DX), Z1
	KXNORW      K1, K1, K1
	VXORPS      Z0, Z0, Z0
	VGATHERDPS  (SI)(Z1*4), K1, Z0
	VMOVUPS     Z0, (R11)
	ADDQ        $64, DX
	ADDQ        $64, R11
	SUBQ        $16, CX
	JMP         gvec

gtail:
	TESTQ       CX, CX
	JLE         gnext
	KMOVW       K3, K1
	VMOVDQU32.Z (DX), K1, Z1
	VXORPS      Z0, Z0, Z0
	VGATHERDPS  (SI)(Z1*4), K1, Z0
	VMOVUPS     Z0, K3, (R11)
	LEAQ        (DX)(CX*4), DX

gnext:
	ADDQ R8, DI
	DECQ R9
	JMP  gtap

gdone2:
	VZEROUPPER
	RET

// func maskPositive32AVX2(y, dy, dz *float32, n int)
//
// maskPositive32 for CPUs with AVX2 only, n a multiple of 8: the int32 compare gives an all-ones lane
// where y > 0, and dz = dy AND that.
TEXT ·maskPositive32AVX2(SB), NOSPLIT, $0-32
	MOVQ   y+0(FP), SI
	MOVQ   dy+8(FP), DX
	MOVQ   dz+16(FP), DI
	MOVQ   n+24(FP), CX
	VPXOR  Y15, Y15, Y15

m2loop:
	CMPQ     CX, $8
	JL       m2done
	VMOVDQU  (SI), Y0
	VPCMPGTD Y15, Y0, Y0 // y > 0 as int32: all ones
	VPAND    (DX), Y0, Y0
	VMOVDQU  Y0, (DI)
	ADDQ     $32, SI
	ADDQ     $32, DX
	ADDQ     $32, DI
	SUBQ     $8, CX
	JMP      m2loop

m2done:
	VZEROUPPER
	RET

// func addTo32AVX2(dst, src *float32, n int)
//
// addTo32 for CPUs with AVX2 only, n a multiple of 8.
TEXT ·addTo32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

a2loop:
	CMPQ    CX, $8
	JL      a2done
	VMOVUPS (SI), Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     a2loop

a2done:
	VZEROUPPER
	RET
