#include "textflag.h"

// func fpCallers(pcs []uintptr) (n int, cut bool)
//
// Walks the frame-pointer chain of the calling goroutine and stores the
// return address of each frame, starting with the caller of the caller of
// fpCallers. The frame size is zero, so BP still holds the caller's frame
// pointer. Written in assembly so that no Go code turns a uintptr into a
// pointer, and so that the walk cannot be preempted halfway.
//
// The walk ends at the first frame pointer that is not inside the
// goroutine's stack, above the one before it: where Go code was called
// from C, the chain runs into the register that the C code left behind,
// which may hold anything (cgo_test in leakcheck's fixtures). The stack's
// bounds are the first two words of the goroutine's g (stack.lo,
// stack.hi), an offset that runtime/cgo relies on too.
TEXT ·fpCallers(SB), NOSPLIT, $0-33
	MOVQ pcs_base+0(FP), DI
	MOVQ pcs_len+8(FP), CX
	MOVQ (TLS), R8
	MOVQ 0(R8), R9         // g.stack.lo
	MOVQ 8(R8), R10        // g.stack.hi
	SUBQ $16, R10          // a frame record is two words
	MOVQ BP, SI
	XORQ AX, AX
	MOVB $0, cut+32(FP)
loop:
	CMPQ AX, CX
	JGE  done
	TESTQ SI, SI
	JZ   done
	CMPQ SI, R9
	JB   broken
	CMPQ SI, R10
	JA   broken
	MOVQ 8(SI), DX
	TESTQ DX, DX
	JZ   done
	MOVQ DX, (DI)(AX*8)
	INCQ AX
	MOVQ SI, R9            // the next frame is above this one
	ADDQ $16, R9
	MOVQ 0(SI), SI
	JMP  loop
broken:
	MOVB $1, cut+32(FP)
done:
	MOVQ AX, n+24(FP)
	RET

// func stackBounds() (lo, hi uintptr)
TEXT ·stackBounds(SB), NOSPLIT, $0-16
	MOVQ (TLS), R8
	MOVQ 0(R8), AX
	MOVQ AX, lo+0(FP)
	MOVQ 8(R8), AX
	MOVQ AX, hi+8(FP)
	RET
