#include "textflag.h"

// func fpCallers(pcs []uintptr) (n int, cut bool)
//
// See fp_amd64.s. R29 holds the caller's frame pointer; the return address
// sits one word above each frame pointer, as on amd64; g is the goroutine
// register, whose first two words are the stack's bounds.
TEXT ·fpCallers(SB), NOSPLIT, $0-33
	MOVD pcs_base+0(FP), R0
	MOVD pcs_len+8(FP), R1
	MOVD 0(g), R5          // g.stack.lo
	MOVD 8(g), R6          // g.stack.hi
	SUB  $16, R6
	MOVD R29, R2
	MOVD $0, R3
	MOVB ZR, cut+32(FP)
loop:
	CMP  R1, R3
	BGE  done
	CBZ  R2, done
	CMP  R5, R2
	BLO  broken
	CMP  R6, R2
	BHI  broken
	MOVD 8(R2), R4
	CBZ  R4, done
	MOVD R4, (R0)(R3<<3)
	ADD  $1, R3
	ADD  $16, R2, R5       // the next frame is above this one
	MOVD 0(R2), R2
	B    loop
broken:
	MOVD $1, R7
	MOVB R7, cut+32(FP)
done:
	MOVD R3, n+24(FP)
	RET

// func stackBounds() (lo, hi uintptr)
TEXT ·stackBounds(SB), NOSPLIT, $0-16
	MOVD 0(g), R0
	MOVD R0, lo+0(FP)
	MOVD 8(g), R0
	MOVD R0, hi+8(FP)
	RET
