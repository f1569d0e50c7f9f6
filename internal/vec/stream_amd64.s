//go:build !purego

#include "textflag.h"

// func streamAVX(dst, src unsafe.Pointer, n int)
// Copies n bytes, n a multiple of 32, from src to dst, dst 32-byte aligned,
// with non-temporal stores: the data go to memory without being read into
// the cache first.
TEXT ·streamAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $5, CX
	JZ   done
	// four 32-byte stores per iteration while at least 128 bytes remain
loop4:
	CMPQ CX, $4
	JB   loop1
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 64(SI), Y2
	VMOVDQU 96(SI), Y3
	VMOVNTDQ Y0, 0(DI)
	VMOVNTDQ Y1, 32(DI)
	VMOVNTDQ Y2, 64(DI)
	VMOVNTDQ Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $4, CX
	JMP  loop4
loop1:
	TESTQ CX, CX
	JZ   vzeroupper
	VMOVDQU 0(SI), Y0
	VMOVNTDQ Y0, 0(DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JMP  loop1
vzeroupper:
	VZEROUPPER
done:
	RET

// func sfence()
TEXT ·sfence(SB), NOSPLIT, $0-0
	SFENCE
	RET

// func prefetchT0(p unsafe.Pointer, stride uintptr, n int): PREFETCHT0, an SSE instruction every x86-64 processor has
// Prefetches the cache lines at p, p+stride, …, p+(n−1)·stride.
TEXT ·prefetchT0(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ stride+8(FP), BX
	MOVQ n+16(FP), CX
	TESTQ CX, CX
	JLE  pdone
ploop:
	PREFETCHT0 (SI)
	ADDQ BX, SI
	DECQ CX
	JNZ  ploop
pdone:
	RET
