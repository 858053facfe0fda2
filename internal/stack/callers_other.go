//go:build !amd64 && !arm64

package stack

import "runtime"

// capture stores the calling goroutine's return addresses, starting with
// the caller of capture, as the frame-pointer walk does. Without frame
// pointers it uses runtime.Callers, which is slower.
//
//go:noinline
func capture(pcs []uintptr) int {
	return runtime.Callers(2, pcs)
}
