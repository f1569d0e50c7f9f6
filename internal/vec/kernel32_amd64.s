//go:build !purego

#include "textflag.h"

// Offsets into the float32 constant table k (see kernel32_amd64.go); each
// entry is one float32 repeated in the eight lanes of a YMM register.
#define ABS32     0(R8)
#define TMIN32    32(R8)
#define LOG2E32   64(R8)
#define MAGIC32   96(R8)
#define LN2HI32   128(R8)
#define LN2LO32   160(R8)
#define ONE32     192(R8)
#define TWO32     224(R8)
// EXPC32: 7 Taylor coefficients of e^r, 1/7! first; LOGC32: 7 coefficients
// 1/(2j+1) of the atanh series, j = 7 first.
#define EXPC32    256
#define LOGC32    480
#define MAXF32    704(R8)
// PFDIST32: how far ahead zeroTargetSum32AVX2 prefetches its input.
#define PFDIST32  4096

// EXPNEG32(t, out, k, n, m): out = e^t lane by lane for t ≤ 0; 0 below
// TMIN32 (−86, where 2^n is still a normal float32), NaN for a NaN t.
// Clobbers t, k, n, m.
//
//	t = n·ln 2 + r, n = round(t/ln 2), |r| ≤ ln 2/2
//	e^t = 2^n · e^r,  e^r = Σ_{i≤7} r^i/i!   (truncation < 6e-9)
#define EXPNEG32(t, out, k, n, m) \
	VMOVUPS TMIN32, n; \
	VCMPPS $1, n, t, m; \
	VMAXPS t, n, t; \
	VMOVUPS MAGIC32, k; \
	VFMADD231PS LOG2E32, t, k; \
	VSUBPS MAGIC32, k, n; \
	VFNMADD231PS LN2HI32, n, t; \
	VFNMADD231PS LN2LO32, n, t; \
	VMOVUPS (EXPC32+0*32)(R8), out; \
	VFMADD213PS (EXPC32+1*32)(R8), t, out; \
	VFMADD213PS (EXPC32+2*32)(R8), t, out; \
	VFMADD213PS (EXPC32+3*32)(R8), t, out; \
	VFMADD213PS (EXPC32+4*32)(R8), t, out; \
	VFMADD213PS (EXPC32+5*32)(R8), t, out; \
	VFMADD213PS (EXPC32+6*32)(R8), t, out; \
	VFMADD213PS ONE32, t, out; \
	VPSLLD $23, k, k; \
	VPADDD k, out, out; \
	VANDNPS out, m, out

// SIGSP32: from x in Y0 and e = e^−|x| in Y2 (EXPNEG32 of −|x|), the
// lanes' softplus and sigmoid. Sets Y5, Y6, Y7, Y8; reads ONE32, TWO32 and
// LOGC32's coefficients. With d = 1/((1+e)(2+e)):
//
//	r = 1/(1+e) = (2+e)·d,  z = e/(2+e) = e·(1+e)·d
//	Y5 = sp = log1p(e) = 2z·Σ z^{2i}·c_i   (LOGC32's polynomial in z²)
//	Y6 = r,  Y7 = e·r,  Y8 = s = σ(x) = x < 0 ? e·r : r
#define SIGSP32 \
	VADDPS ONE32, Y2, Y5; \
	VADDPS TWO32, Y2, Y6; \
	VMULPS Y6, Y5, Y7; \
	VMOVUPS ONE32, Y8; \
	VDIVPS Y7, Y8, Y7; \
	VMULPS Y7, Y6, Y6; \
	VMULPS Y7, Y5, Y5; \
	VMULPS Y5, Y2, Y5; \
	VMULPS Y5, Y5, Y7; \
	VMOVUPS (LOGC32+0*32)(R8), Y8; \
	VFMADD213PS (LOGC32+1*32)(R8), Y7, Y8; \
	VFMADD213PS (LOGC32+2*32)(R8), Y7, Y8; \
	VFMADD213PS (LOGC32+3*32)(R8), Y7, Y8; \
	VFMADD213PS (LOGC32+4*32)(R8), Y7, Y8; \
	VFMADD213PS (LOGC32+5*32)(R8), Y7, Y8; \
	VFMADD213PS (LOGC32+6*32)(R8), Y7, Y8; \
	VFMADD213PS ONE32, Y7, Y8; \
	VADDPS Y5, Y5, Y5; \
	VMULPS Y8, Y5, Y5; \
	VMULPS Y6, Y2, Y7; \
	VBLENDVPS Y0, Y7, Y6, Y8

// func zeroTarget32AVX2(k *[nk32][8]float32, x, loss, grad, tmp *float32, n int, a, gamma float32)
//
// zeroTargetAVX2 in float32, eight lanes at a time, for n a multiple of 8:
// the same formulas with shorter series (7 terms of e^r, 8 of the atanh
// series, truncation < 2e-9), so that the result is float32-accurate.
TEXT ·zeroTarget32AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), R8
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   done
	VBROADCASTSS a+48(FP), Y15
	VBROADCASTSS gamma+52(FP), Y14
	VXORPS Y12, Y12, Y12          // 0
	VSUBPS Y14, Y12, Y13          // −γ

	// Pass 1: tmp = e^{−|x|}.
	MOVQ x+8(FP), SI
	MOVQ tmp+32(FP), BX
	MOVQ CX, R9
pass1:
	VMOVUPS (SI), Y0
	VANDPS ABS32, Y0, Y1
	VSUBPS Y1, Y12, Y1            // −|x|
	EXPNEG32(Y1, Y2, Y3, Y4, Y5)
	VMOVUPS Y2, (BX)
	ADDQ $32, SI
	ADDQ $32, BX
	DECQ R9
	JNZ  pass1

	// Pass 2: loss = a·sp⁺, grad = a·(s + γ·sp⁺·s̄), tmp = −γ·(−log s).
	MOVQ x+8(FP), SI
	MOVQ tmp+32(FP), BX
	MOVQ loss+16(FP), DI
	MOVQ grad+24(FP), DX
	MOVQ CX, R9
pass2:
	VMOVUPS (SI), Y0              // x
	VMOVUPS (BX), Y2              // e
	SIGSP32
	VBLENDVPS Y0, Y6, Y7, Y9      // s̄ = x < 0 ? r : e·r
	VMAXPS Y12, Y0, Y10
	VADDPS Y5, Y10, Y10           // sp⁺ = max(x, 0) + sp
	VMULPS Y15, Y10, Y11          // loss = a·sp⁺
	VMINPS MAXF32, Y10, Y1        // sp⁺ = ∞ only where s̄ = 0: ∞·0 → 0
	VMULPS Y9, Y1, Y1
	VFMADD213PS Y8, Y14, Y1       // s + γ·sp⁺·s̄
	VMULPS Y15, Y1, Y1            // grad = a·(s + γ·sp⁺·s̄)
	VCMPPS $3, Y0, Y0, Y3         // x is NaN: NaN out
	VBLENDVPS Y3, Y0, Y11, Y11
	VBLENDVPS Y3, Y0, Y1, Y1
	VMOVUPS Y11, (DI)
	VMOVUPS Y1, (DX)
	VSUBPS Y0, Y12, Y1
	VMAXPS Y12, Y1, Y1
	VADDPS Y5, Y1, Y1             // −log s = max(−x, 0) + sp
	VMULPS Y13, Y1, Y1            // −γ·(−log s) ≤ 0
	VMOVUPS Y1, (BX)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ R9
	JNZ  pass2

	// Pass 3: loss and grad times s^γ.
	MOVL gamma+52(FP), AX         // γ's bits: 0 for γ = 0, where s^γ = 1
	TESTL AX, AX
	JZ   end
	MOVQ tmp+32(FP), BX
	MOVQ loss+16(FP), DI
	MOVQ grad+24(FP), DX
pass3:
	VMOVUPS (BX), Y1
	EXPNEG32(Y1, Y2, Y3, Y4, Y5)  // s^γ
	VMULPS (DI), Y2, Y6
	VMULPS (DX), Y2, Y7
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, (DX)
	ADDQ $32, BX
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ  pass3
end:
	VZEROUPPER
done:
	RET

// func zeroTargetSum32AVX2(k *[nk32][8]float32, x, grad *float32, acc *[8]float64, tmp *[3 * block]float32, n int, a, gamma float32, nt bool)
//
// zeroTarget32AVX2's derivatives, stored to grad (with non-temporal
// stores when nt is set; grad is then 32-byte aligned), and its losses,
// added lane by lane in float64 to the eight running sums acc, for n a
// multiple of 8. The same operations, so the same float32 values, in the
// same passes, over chunks of up to block elements whose intermediate
// values stay in tmp (three arrays of block): (1) e = e^{−|x|}; (2) the
// logistic terms, loss and gradient (for γ = 0 stored and summed here);
// (3) for γ ≠ 0, the factor s^γ, then stored and summed. (block is 128:
// chunks of 16 vectors, the arrays at tmp, tmp+512 and tmp+1024.)
TEXT ·zeroTargetSum32AVX2(SB), NOSPLIT, $0-57
	MOVQ k+0(FP), R8
	MOVQ x+8(FP), SI
	MOVQ grad+16(FP), DI
	MOVQ acc+24(FP), DX
	MOVQ tmp+32(FP), BX
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   sdone
	MOVL gamma+52(FP), AX         // γ's bits: 0 for γ = 0, where s^γ = 1
	MOVBQZX nt+56(FP), R10
	VBROADCASTSS a+48(FP), Y15
	VBROADCASTSS gamma+52(FP), Y14
	VXORPS Y12, Y12, Y12          // 0
	VSUBPS Y14, Y12, Y13          // −γ
	VMOVUPD 0(DX), Y10            // the running sums
	VMOVUPD 32(DX), Y11
schunk:
	MOVQ CX, R11                  // vectors in this chunk: min(CX, block/8)
	CMPQ R11, $16
	JLE  2(PC)
	MOVQ $16, R11
	SUBQ R11, CX

	// Pass 1: tmp = e^{−|x|}.
	MOVQ SI, R12
	MOVQ BX, R13
	MOVQ R11, R9
spass1:
	PREFETCHT0 PFDIST32(R12)      // the logits 4 KB ahead (never faults past the end)
	VMOVUPS (R12), Y0
	VANDPS ABS32, Y0, Y1
	VSUBPS Y1, Y12, Y1            // −|x|
	EXPNEG32(Y1, Y2, Y3, Y4, Y5)
	VMOVUPS Y2, (R13)
	ADDQ $32, R12
	ADDQ $32, R13
	DECQ R9
	JNZ  spass1

	// Pass 2: loss = a·sp⁺, grad = a·(s + γ·sp⁺·s̄); for γ = 0 (grad = a·s,
	// the same value) stored and summed, else kept in tmp (block on) with
	// −γ·(−log s) in tmp.
	MOVQ SI, R12
	MOVQ BX, R13
	MOVQ R11, R9
	TESTL AX, AX
	JNZ  spass2
szero:
	VMOVUPS (R12), Y0             // x
	VMOVUPS (R13), Y2             // e
	SIGSP32
	VMAXPS Y12, Y0, Y1
	VADDPS Y5, Y1, Y1             // sp⁺ = max(x, 0) + sp
	VMULPS Y15, Y1, Y2            // loss = a·sp⁺
	VMULPS Y15, Y8, Y3            // grad = a·s
	VCMPPS $3, Y0, Y0, Y4         // x is NaN: NaN out
	VBLENDVPS Y4, Y0, Y2, Y2
	VBLENDVPS Y4, Y0, Y3, Y3
	TESTQ R10, R10
	JZ   splain0
	VMOVNTPS Y3, (DI)
	JMP  ssum0
splain0:
	VMOVUPS Y3, (DI)
ssum0:
	VCVTPS2PD X2, Y4
	VEXTRACTF128 $1, Y2, X5
	VCVTPS2PD X5, Y5
	VADDPD Y4, Y10, Y10
	VADDPD Y5, Y11, Y11
	ADDQ $32, DI
	ADDQ $32, R12
	ADDQ $32, R13
	DECQ R9
	JNZ  szero
	JMP  sadvance
spass2:
	VMOVUPS (R12), Y0             // x
	VMOVUPS (R13), Y2             // e
	SIGSP32
	VBLENDVPS Y0, Y6, Y7, Y9      // s̄ = x < 0 ? r : e·r
	VMAXPS Y12, Y0, Y1
	VADDPS Y5, Y1, Y1             // sp⁺ = max(x, 0) + sp
	VMULPS Y15, Y1, Y2            // loss = a·sp⁺
	VMINPS MAXF32, Y1, Y3         // sp⁺ = ∞ only where s̄ = 0: ∞·0 → 0
	VMULPS Y9, Y3, Y3
	VFMADD213PS Y8, Y14, Y3       // s + γ·sp⁺·s̄
	VMULPS Y15, Y3, Y3            // grad = a·(s + γ·sp⁺·s̄)
	VCMPPS $3, Y0, Y0, Y4         // x is NaN: NaN out
	VBLENDVPS Y4, Y0, Y2, Y2
	VBLENDVPS Y4, Y0, Y3, Y3
	TESTL AX, AX
	JNZ  skeep
	TESTQ R10, R10
	JZ   splain2
	VMOVNTPS Y3, (DI)
	JMP  ssum2
splain2:
	VMOVUPS Y3, (DI)
ssum2:
	VCVTPS2PD X2, Y4
	VEXTRACTF128 $1, Y2, X5
	VCVTPS2PD X5, Y5
	VADDPD Y4, Y10, Y10
	VADDPD Y5, Y11, Y11
	ADDQ $32, DI
	JMP  snext2
skeep:
	VMOVUPS Y2, 512(R13)    // loss
	VMOVUPS Y3, 1024(R13)    // grad
	VSUBPS Y0, Y12, Y1
	VMAXPS Y12, Y1, Y1
	VADDPS Y5, Y1, Y1             // −log s = max(−x, 0) + sp
	VMULPS Y13, Y1, Y1            // −γ·(−log s) ≤ 0
	VMOVUPS Y1, (R13)
snext2:
	ADDQ $32, R12
	ADDQ $32, R13
	DECQ R9
	JNZ  spass2

	// Pass 3 (γ ≠ 0): loss and grad times s^γ, stored and summed.
	TESTL AX, AX
	JZ   sadvance
	MOVQ BX, R13
	MOVQ R11, R9
spass3:
	VMOVUPS (R13), Y1
	EXPNEG32(Y1, Y2, Y3, Y4, Y5)  // s^γ
	VMULPS 512(R13), Y2, Y6 // loss
	VMULPS 1024(R13), Y2, Y7 // grad
	TESTQ R10, R10
	JZ   splain3
	VMOVNTPS Y7, (DI)
	JMP  ssum3
splain3:
	VMOVUPS Y7, (DI)
ssum3:
	VCVTPS2PD X6, Y4
	VEXTRACTF128 $1, Y6, X5
	VCVTPS2PD X5, Y5
	VADDPD Y4, Y10, Y10
	VADDPD Y5, Y11, Y11
	ADDQ $32, DI
	ADDQ $32, R13
	DECQ R9
	JNZ  spass3

sadvance:
	MOVQ R12, SI
	TESTQ CX, CX
	JNZ  schunk
	VMOVUPD Y10, 0(DX)
	VMOVUPD Y11, 32(DX)
	VZEROUPPER
sdone:
	RET
