//go:build !purego

#include "textflag.h"

// Offsets into the constant table k (see kernel_amd64.go); each entry is
// one float64 repeated in the four lanes of a YMM register.
#define ABS     0(R8)
#define TMIN    32(R8)
#define LOG2E   64(R8)
#define MAGIC   96(R8)
#define LN2HI   128(R8)
#define LN2LO   160(R8)
#define ONE     192(R8)
#define TWO     224(R8)
// EXPC: 11 Taylor coefficients of e^r, 1/11! first; LOGC: 12 coefficients
// 1/(2j+1) of the atanh series, j = 12 first.
#define EXPC    256
#define LOGC    608
#define MAXF    992(R8)

// EXPNEG(t, out, k, n, m): out = e^t lane by lane for t ≤ 0; 0 below TMIN
// (−700), above the subnormals, and NaN for a NaN t. Clobbers t, k, n, m.
//
//	t = n·ln 2 + r, n = round(t/ln 2), |r| ≤ ln 2/2
//	e^t = 2^n · e^r,  e^r = Σ_{i≤11} r^i/i!   (truncation < 7e-15)
//
// n is rounded by adding 1.5·2^52, which leaves it in the low bits of k;
// shifting them to the exponent field and adding scales by 2^n.
#define EXPNEG(t, out, k, n, m) \
	VMOVUPD TMIN, n; \
	VCMPPD $1, n, t, m; \
	VMAXPD t, n, t; \
	VMOVUPD MAGIC, k; \
	VFMADD231PD LOG2E, t, k; \
	VSUBPD MAGIC, k, n; \
	VFNMADD231PD LN2HI, n, t; \
	VFNMADD231PD LN2LO, n, t; \
	VMOVUPD (EXPC+0*32)(R8), out; \
	VFMADD213PD (EXPC+1*32)(R8), t, out; \
	VFMADD213PD (EXPC+2*32)(R8), t, out; \
	VFMADD213PD (EXPC+3*32)(R8), t, out; \
	VFMADD213PD (EXPC+4*32)(R8), t, out; \
	VFMADD213PD (EXPC+5*32)(R8), t, out; \
	VFMADD213PD (EXPC+6*32)(R8), t, out; \
	VFMADD213PD (EXPC+7*32)(R8), t, out; \
	VFMADD213PD (EXPC+8*32)(R8), t, out; \
	VFMADD213PD (EXPC+9*32)(R8), t, out; \
	VFMADD213PD (EXPC+10*32)(R8), t, out; \
	VFMADD213PD ONE, t, out; \
	VPSLLQ $52, k, k; \
	VPADDQ k, out, out; \
	VANDNPD out, m, out

// func zeroTargetAVX2(k *[nk][4]float64, x, loss, grad, tmp *float64, n int, a, gamma float64)
//
// For i < n (n a multiple of 4), with s = σ(x), s̄ = σ(−x) and
// sp⁺ = log(1 + e^x) = max(x, 0) + log1p(e^{−|x|}):
//
//	loss[i] = a·sp⁺·s^γ
//	grad[i] = a·s^γ·(s + γ·sp⁺·s̄)
//
// with s^γ = e^{−γ·(max(−x, 0) + log1p(e^{−|x|}))} and
//
//	log1p(e) = 2·atanh(z) = 2z·Σ_j z^{2j}/(2j+1),  z = e/(2+e) ≤ 1/3
//
// (13 terms, truncation < 2e-14 relative). σ(x), σ(−x) and z come from one
// division: 1/(1+e) = (2+e)·d and 1/(2+e) = (1+e)·d, d = 1/((1+e)(2+e)).
//
// It runs in three passes over the block, each a loop whose iterations are
// independent, so that the processor overlaps the long dependency chains
// of several iterations: (1) e = e^{−|x|} into tmp; (2) the logistic terms,
// the loss and gradient without the factor s^γ, and the exponent of s^γ
// into tmp; (3) the factor s^γ (skipped for γ = 0).
TEXT ·zeroTargetAVX2(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), R8
	MOVQ n+40(FP), CX
	SHRQ $2, CX
	JZ   done
	VBROADCASTSD a+48(FP), Y15
	VBROADCASTSD gamma+56(FP), Y14
	VXORPD Y12, Y12, Y12          // 0
	VSUBPD Y14, Y12, Y13          // −γ

	// Pass 1: tmp = e^{−|x|}.
	MOVQ x+8(FP), SI
	MOVQ tmp+32(FP), BX
	MOVQ CX, R9
pass1:
	VMOVUPD (SI), Y0
	VANDPD ABS, Y0, Y1
	VSUBPD Y1, Y12, Y1            // −|x|
	EXPNEG(Y1, Y2, Y3, Y4, Y5)
	VMOVUPD Y2, (BX)
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
	VMOVUPD (SI), Y0              // x
	VMOVUPD (BX), Y2              // e
	VADDPD ONE, Y2, Y5            // 1+e
	VADDPD TWO, Y2, Y6            // 2+e
	VMULPD Y6, Y5, Y7
	VMOVUPD ONE, Y8
	VDIVPD Y7, Y8, Y7             // d = 1/((1+e)(2+e))
	VMULPD Y7, Y6, Y6             // r = 1/(1+e)
	VMULPD Y7, Y5, Y5
	VMULPD Y5, Y2, Y5             // z = e/(2+e)
	VMULPD Y5, Y5, Y7             // z²
	VMOVUPD (LOGC+0*32)(R8), Y8
	VFMADD213PD (LOGC+1*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+2*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+3*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+4*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+5*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+6*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+7*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+8*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+9*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+10*32)(R8), Y7, Y8
	VFMADD213PD (LOGC+11*32)(R8), Y7, Y8
	VFMADD213PD ONE, Y7, Y8
	VADDPD Y5, Y5, Y5
	VMULPD Y8, Y5, Y5             // sp = log1p(e) = 2z·Σ
	VMULPD Y6, Y2, Y7             // e·r
	VBLENDVPD Y0, Y7, Y6, Y8      // s = x < 0 ? e·r : r
	VBLENDVPD Y0, Y6, Y7, Y9      // s̄ = x < 0 ? r : e·r
	VMAXPD Y12, Y0, Y10
	VADDPD Y5, Y10, Y10           // sp⁺ = max(x, 0) + sp
	VMULPD Y15, Y10, Y11          // loss = a·sp⁺
	VMINPD MAXF, Y10, Y1          // sp⁺ = ∞ only where s̄ = 0: ∞·0 → 0
	VMULPD Y9, Y1, Y1
	VFMADD213PD Y8, Y14, Y1       // s + γ·sp⁺·s̄
	VMULPD Y15, Y1, Y1            // grad = a·(s + γ·sp⁺·s̄)
	VCMPPD $3, Y0, Y0, Y3         // x is NaN: NaN out
	VBLENDVPD Y3, Y0, Y11, Y11
	VBLENDVPD Y3, Y0, Y1, Y1
	VMOVUPD Y11, (DI)
	VMOVUPD Y1, (DX)
	VSUBPD Y0, Y12, Y1
	VMAXPD Y12, Y1, Y1
	VADDPD Y5, Y1, Y1             // −log s = max(−x, 0) + sp
	VMULPD Y13, Y1, Y1            // −γ·(−log s) ≤ 0
	VMOVUPD Y1, (BX)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ R9
	JNZ  pass2

	// Pass 3: loss and grad times s^γ.
	MOVQ gamma+56(FP), AX         // γ's bits: 0 for γ = 0, where s^γ = 1
	TESTQ AX, AX
	JZ   end
	MOVQ tmp+32(FP), BX
	MOVQ loss+16(FP), DI
	MOVQ grad+24(FP), DX
pass3:
	VMOVUPD (BX), Y1
	EXPNEG(Y1, Y2, Y3, Y4, Y5)    // s^γ
	VMULPD (DI), Y2, Y6
	VMULPD (DX), Y2, Y7
	VMOVUPD Y6, (DI)
	VMOVUPD Y7, (DX)
	ADDQ $32, BX
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ  pass3
end:
	VZEROUPPER
done:
	RET

// func softmaxMeansF64AVX2(k *[nk][4]float64, z *float64, stride uintptr, r int, out *[16]float64)
//
// For four anchors in lanes (z[i·stride + lane], stride in bytes), and
// each side s = 0…3 of r logits z_{s,0…r−1} (rows s·r … s·r + r − 1):
//
//	m = max_k z_k,  u_k = z_k − m,  e_k = σ(u_k)/(1 − σ(u_k)),
//	out[4s + lane] = (Σ_k k·e_k) / (Σ_k e_k)
//
// with σ(u) computed with zeroTargetAVX2's operations (its gradient at
// a = 1, γ = 0), so bit for bit what that kernel gives, and the sums
// accumulated in increasing k, without fused multiply-adds.
TEXT ·softmaxMeansF64AVX2(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), R8
	MOVQ z+8(FP), SI
	MOVQ stride+16(FP), BX
	MOVQ r+24(FP), CX
	MOVQ out+32(FP), DI
	VXORPD Y12, Y12, Y12          // 0
	MOVQ $4, R12
f64side:
	MOVQ SI, AX
	VMOVUPD (AX), Y0              // m
	MOVQ CX, R9
	DECQ R9
	JZ   f64maxdone
f64max:
	ADDQ BX, AX
	VMOVUPD (AX), Y1
	VMAXPD Y1, Y0, Y0
	DECQ R9
	JNZ  f64max
f64maxdone:
	VXORPD Y6, Y6, Y6             // Σ e
	VXORPD Y7, Y7, Y7             // Σ k·e
	VXORPD Y8, Y8, Y8             // k
	MOVQ SI, AX
	MOVQ CX, R9
f64exp:
	VMOVUPD (AX), Y1
	VSUBPD Y0, Y1, Y2             // u = z − m
	VANDPD ABS, Y2, Y3
	VSUBPD Y3, Y12, Y3            // −|u|
	EXPNEG(Y3, Y4, Y5, Y9, Y10)   // e^{−|u|}
	VADDPD ONE, Y4, Y5            // 1+e
	VADDPD TWO, Y4, Y9            // 2+e
	VMULPD Y9, Y5, Y10
	VMOVUPD ONE, Y3
	VDIVPD Y10, Y3, Y10           // d = 1/((1+e)(2+e))
	VMULPD Y10, Y9, Y9            // r = 1/(1+e)
	VMULPD Y9, Y4, Y5             // e·r
	VBLENDVPD Y2, Y5, Y9, Y3      // s = u < 0 ? e·r : r
	VMOVUPD ONE, Y4
	VSUBPD Y3, Y4, Y4             // 1 − s
	VDIVPD Y4, Y3, Y1             // e_k = s/(1 − s)
	VADDPD Y1, Y6, Y6
	VMULPD Y8, Y1, Y2
	VADDPD Y2, Y7, Y7
	VADDPD ONE, Y8, Y8
	ADDQ BX, AX
	DECQ R9
	JNZ  f64exp
	VDIVPD Y6, Y7, Y7
	VMOVUPD Y7, (DI)
	ADDQ $32, DI
	MOVQ AX, SI
	DECQ R12
	JNZ  f64side
	VZEROUPPER
	RET

// func softmaxMeansF32AVX2(k *[nk][4]float64, z *float32, stride uintptr, r int, out *[16]float64)
//
// softmaxMeansF64AVX2 for float32 logits, converted to float64, with
// e_k = e^{u_k} straight from the exponential (u_k ≤ 0).
TEXT ·softmaxMeansF32AVX2(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), R8
	MOVQ z+8(FP), SI
	MOVQ stride+16(FP), BX
	MOVQ r+24(FP), CX
	MOVQ out+32(FP), DI
	MOVQ $4, R12
f32side:
	MOVQ SI, AX
	VMOVUPS (AX), X0              // m, in float32 (exact, as is its conversion)
	MOVQ CX, R9
	DECQ R9
	JZ   f32maxdone
f32max:
	ADDQ BX, AX
	VMAXPS (AX), X0, X0
	DECQ R9
	JNZ  f32max
f32maxdone:
	VCVTPS2PD X0, Y0
	VXORPD Y6, Y6, Y6             // Σ e
	VXORPD Y7, Y7, Y7             // Σ k·e
	VXORPD Y8, Y8, Y8             // k
	MOVQ SI, AX
	MOVQ CX, R9
f32exp:
	VCVTPS2PD (AX), Y1
	VSUBPD Y0, Y1, Y1             // u = z − m
	EXPNEG(Y1, Y3, Y4, Y5, Y9)    // e^u
	VADDPD Y3, Y6, Y6
	VMULPD Y8, Y3, Y2
	VADDPD Y2, Y7, Y7
	VADDPD ONE, Y8, Y8
	ADDQ BX, AX
	DECQ R9
	JNZ  f32exp
	VDIVPD Y6, Y7, Y7
	VMOVUPD Y7, (DI)
	ADDQ $32, DI
	MOVQ AX, SI
	DECQ R12
	JNZ  f32side
	VZEROUPPER
	RET
