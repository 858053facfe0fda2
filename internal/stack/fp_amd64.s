#include "textflag.h"

// func fpCallers(pcs []uintptr) int
//
// Walks the frame-pointer chain of the calling goroutine and stores the
// return address of each frame, starting with the caller of the caller of
// fpCallers. The frame size is zero, so BP still holds the caller's frame
// pointer. Written in assembly so that no Go code turns a uintptr into a
// pointer, and so that the walk cannot be preempted halfway.
TEXT ·fpCallers(SB), NOSPLIT, $0-32
	MOVQ pcs_base+0(FP), DI
	MOVQ pcs_len+8(FP), CX
	MOVQ BP, SI
	XORQ AX, AX
loop:
	CMPQ AX, CX
	JGE  done
	TESTQ SI, SI
	JZ   done
	MOVQ 8(SI), DX
	TESTQ DX, DX
	JZ   done
	MOVQ DX, (DI)(AX*8)
	INCQ AX
	MOVQ 0(SI), SI
	JMP  loop
done:
	MOVQ AX, ret+24(FP)
	RET
