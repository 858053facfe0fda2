#include "textflag.h"

// func fpCallers(pcs []uintptr) int
//
// See fp_amd64.s. R29 holds the caller's frame pointer; the return address
// sits one word above each frame pointer, as on amd64.
TEXT ·fpCallers(SB), NOSPLIT, $0-32
	MOVD pcs_base+0(FP), R0
	MOVD pcs_len+8(FP), R1
	MOVD R29, R2
	MOVD $0, R3
loop:
	CMP  R1, R3
	BGE  done
	CBZ  R2, done
	MOVD 8(R2), R4
	CBZ  R4, done
	MOVD R4, (R0)(R3<<3)
	ADD  $1, R3
	MOVD 0(R2), R2
	B    loop
done:
	MOVD R3, ret+24(FP)
	RET
