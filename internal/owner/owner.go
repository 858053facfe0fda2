// Package owner tells which checked test an object or a goroutine made
// now belongs to. A checked test marks its goroutine with a pprof label
// that carries its number, which the runtime passes to every goroutine
// it starts (package ancestry); where a goroutine has lost the label, the
// goroutine ids and the creation stack speak (fallback.go). The Table
// holds the process's owners: package leakcheck keeps one for the
// process, since the labels it reads are the process's.
package owner

import (
	"runtime"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/padded"
)

// Owner is one checked test, or a framework's spec, as attribution sees
// it: what Table.Begin needs to mark its goroutines and to find it again.
type Owner struct {
	// Name is the test's name ("TestX/row_1"); it tells parents from
	// subtests when a creation stack matches several tests.
	Name string
	// Function is the test's function, for attribution by stack, or "".
	Function string
	// Goroutine is the id of the test's goroutine, for attribution by
	// goroutine id, or 0.
	Goroutine int
	// Ambient is set for owners of frameworks that run one spec at a time
	// on goroutines of their own (Ginkgo): objects made by goroutines
	// that no checked test started are the ambient owner's.
	Ambient bool
	// Tracked, if set, is told about each object recorded for the owner,
	// on the goroutine that tracks it, and its result passed on (package
	// leakcheck judges fuzz inputs so).
	Tracked func(serial uint64) any

	// Made and Freed count the owner's recorded objects: a verdict with
	// none alive forces no collection. Two counters, each on its cache
	// line, because the goroutines that make objects and the runtime's
	// cleanup goroutines that free them would fight over one.
	Made, Freed padded.Int64

	// Num is the owner's number in its table, which the registry keeps
	// in the slot of each of its objects: Table.Begin sets it, and leaves
	// it 0 if numbers ran out. A verdict that judges the objects of an
	// owner under another name copies it.
	Num uint32

	labels, previous ancestry.Labels // the label set that marks its goroutines, and the one it replaced
}

// Live returns the number of o's recorded objects not yet freed.
func (o *Owner) Live() int {
	freed := o.Freed.Load() // first: every object it counts was made before
	return int(o.Made.Load() - freed)
}

// TestFunction returns the function of the test whose goroutine called
// the function that called TestFunction, skip frames up: the function
// that testing.tRunner called, or "" if the caller does not run on a
// test's goroutine.
func TestFunction(skip int) string {
	var pcs [64]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	prev := ""
	for {
		f, more := frames.Next()
		if f.Function == "testing.tRunner" {
			return prev
		}
		prev = f.Function
		if !more {
			return ""
		}
	}
}
