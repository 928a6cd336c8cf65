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
