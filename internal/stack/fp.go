//go:build amd64 || arm64

package stack

import "runtime"

// fpCallers fills pcs with the return addresses found by walking frame
// pointers, starting with the caller of its caller, and returns how many it
// stored, and whether the chain was cut: it ran into a frame pointer
// that cannot be one. Go keeps frame pointers on amd64 and arm64, and the runtime's
// execution tracer unwinds the same way (runtime/tracestack.go), except
// that it falls back to the ordinary unwinder when cgo frames are on the
// stack, where a frame-pointer walk may stop early. The walk finds the
// same frames as runtime.Callers, plus the wrappers of go statements and
// method values (TestCaptureAgreesWithRuntimeCallers). It stops at the
// first frame pointer outside the goroutine's stack, or not above the
// one before it: Go code called back from C finds there whatever the C
// code left in the register, and its frames end where C's begin.
//
//go:noescape
func fpCallers(pcs []uintptr) (n int, cut bool)

// stackBounds returns the calling goroutine's stack, [lo, hi), as the
// frame-pointer walk reads it.
func stackBounds() (lo, hi uintptr)

// capture stores the calling goroutine's return addresses, starting with
// the caller of capture.
//
// Where the chain is cut (Go called back from C), the runtime's unwinder
// takes over: it knows how to step from the callback over the C frames
// to the Go code that called C, whose lines a report should show. That
// costs a microsecond or so, only for objects made in callbacks.
//
//go:noinline
func capture(pcs []uintptr) int {
	n, cut := fpCallers(pcs)
	if cut {
		return runtime.Callers(2, pcs)
	}
	return n
}
