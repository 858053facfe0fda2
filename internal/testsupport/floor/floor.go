// Package floor is the runtime floor that objtrack's cost bars are
// measured against: a 64-byte object with a pointer, made with new and
// given a cleanup with runtime.AddCleanup and a pointer argument, which
// is the least any tracker of object lifetimes must pay.
package floor

import (
	"runtime"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
)

// Object has the size and shape of the tracked structs in the
// benchmarks: 64 bytes with a pointer.
type Object struct {
	P    *int
	Name string
	Buf  [40]byte
}

var arg = new(int)

func cleanup(*int) {}

// New makes an Object with a cleanup: the floor, once.
func New() *Object {
	p := new(Object)
	runtime.AddCleanup(p, cleanup, arg)
	return p
}

// sink keeps the last Object that Benchmark made.
var sink *Object

// Benchmark runs the floor as the sub-benchmark impl=floor of b, to
// compare with the implementations beside it: make bench takes the
// ratios.
func Benchmark(b *testing.B) {
	b.Run("impl=floor", func(b *testing.B) {
		Quiet(b)
		b.ReportAllocs()
		for b.Loop() {
			sink = New()
		}
		if sink == nil {
			b.Fatal("New returned nil")
		}
	})
}

// Quiet collects the garbage and runs the cleanups that earlier
// benchmarks left, then resets b's timer. A benchmark that starts with it
// times its own work only: otherwise it pays for sweeping and cleaning
// up after the one before it, and the order of benchmarks skews their
// ratios.
func Quiet(b *testing.B) {
	if err := settle.Settle(time.Minute).Err(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
}
