//go:build amd64 || arm64

package stack

// fpCallers fills pcs with the return addresses found by walking frame
// pointers, starting with the caller of its caller, and returns how many it
// stored. Go keeps frame pointers on amd64 and arm64; the runtime's own
// execution tracer unwinds the same way.
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
