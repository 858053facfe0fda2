//go:build !amd64 && !arm64

package stack

import "runtime"

// capture stores the calling goroutine's return addresses, starting with
// the caller of the function that called capture's caller. Without frame
// pointers it uses runtime.Callers, which is slower.
//
//go:noinline
func capture(pcs []uintptr) int {
	return runtime.Callers(2, pcs)
}
