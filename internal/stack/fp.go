//go:build amd64 || arm64

package stack

// fpCallers fills pcs with the return addresses found by walking frame
// pointers, starting with the caller of its caller, and returns how many it
// stored. Go keeps frame pointers on amd64 and arm64, and the runtime's
// execution tracer unwinds the same way (runtime/tracestack.go), except
// that it falls back to the ordinary unwinder when cgo frames are on the
// stack, where a frame-pointer walk may stop early. The walk finds the
// same frames as runtime.Callers, plus the wrappers of go statements and
// method values (TestCaptureAgreesWithRuntimeCallers).
//
//go:noescape
func fpCallers(pcs []uintptr) int

// capture stores the calling goroutine's return addresses, starting with
// the caller of capture.
//
//go:noinline
func capture(pcs []uintptr) int {
	return fpCallers(pcs)
}
