//go:build amd64 || arm64

package stack

import (
	"runtime"
	"testing"
	"unsafe"
)

// The walk stops at frame pointers outside the goroutine's stack: the
// bounds it reads must be the stack's, on a stack that grew and moved
// too (a Go function called back from C is the case this guards; the
// fixture leakcheck/testdata/programs/cgo runs it).
func TestStackBoundsHoldTheCallersFrames(t *testing.T) {
	var check func(depth int)
	check = func(depth int) {
		var local [64]byte
		lo, hi := stackBounds()
		at := uintptr(unsafe.Pointer(&local))
		if at < lo || at >= hi {
			t.Fatalf("at depth %d, a local at %#x is outside the stack [%#x, %#x)", depth, at, lo, hi)
		}
		if depth > 0 {
			check(depth - 1)
			runtime.KeepAlive(&local)
			return
		}
		var pcs [Depth]uintptr
		if n := capture(pcs[:]); n < Depth {
			t.Fatalf("a walk from 2000 frames deep found %d frames, want %d", n, Depth)
		}
	}
	check(2000) // several kilobytes of frames: the stack is copied as it grows
}
