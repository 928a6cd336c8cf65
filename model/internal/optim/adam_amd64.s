//go:build amd64

#include "textflag.h"

// func adamKernelAVX2(w, gr, m, v *float32, n int, b1, c1, b2, c2, eps, lrT float32)
//
// For j < n (n a multiple of 8), eight at a time, with every operation rounded on its own as in adamChunk
// (no FMA, which would round once and change the result):
//
//	m[j] = b1*m[j] + c1*gr[j]
//	v[j] = b2*v[j] + (c2*gr[j])*gr[j]
//	w[j] = w[j] - (lrT*m[j]) / (sqrt(v[j]) + eps)
//
// VSQRTPS rounds correctly to float32, as does Go's float32(math.Sqrt(float64(x))). Needs AVX2.
TEXT ·adamKernelAVX2(SB), NOSPLIT, $0-64
	MOVQ w+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), BX
	MOVQ n+32(FP), CX

	VBROADCASTSS b1+40(FP), Y0
	VBROADCASTSS c1+44(FP), Y1
	VBROADCASTSS b2+48(FP), Y2
	VBROADCASTSS c2+52(FP), Y3
	VBROADCASTSS eps+56(FP), Y4
	VBROADCASTSS lrT+60(FP), Y5

	XORQ  AX, AX
	TESTQ CX, CX
	JLE   done

loop:
	VMOVUPS (SI)(AX*4), Y6 // g
	VMOVUPS (DX)(AX*4), Y7 // m
	VMOVUPS (BX)(AX*4), Y8 // v

	VMULPS  Y7, Y0, Y7    // b1*m
	VMULPS  Y6, Y1, Y9    // c1*g
	VADDPS  Y9, Y7, Y7    // m = b1*m + c1*g
	VMOVUPS Y7, (DX)(AX*4)

	VMULPS  Y8, Y2, Y8    // b2*v
	VMULPS  Y6, Y3, Y10   // c2*g
	VMULPS  Y6, Y10, Y10  // (c2*g)*g
	VADDPS  Y10, Y8, Y8   // v = b2*v + (c2*g)*g
	VMOVUPS Y8, (BX)(AX*4)

	VSQRTPS Y8, Y8        // sqrt(v)
	VADDPS  Y4, Y8, Y8    // sqrt(v) + eps
	VMULPS  Y7, Y5, Y7    // lrT*m
	VDIVPS  Y8, Y7, Y7    // (lrT*m) / (sqrt(v) + eps)
	VMOVUPS (DI)(AX*4), Y11
	VSUBPS  Y7, Y11, Y11  // w - that
	VMOVUPS Y11, (DI)(AX*4)

	ADDQ $8, AX
	CMPQ AX, CX
	JLT  loop

done:
	VZEROUPPER
	RET
