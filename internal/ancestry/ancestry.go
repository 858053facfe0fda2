// Package ancestry tells which checked test a goroutine descends from.
//
// It rests on pprof labels. A checked test's goroutine gets a label set of
// its own ([Mark]); the runtime copies a goroutine's label set to every
// goroutine it starts, at any depth. So the label set of the goroutine
// that runs any code says which test's goroutine, or which goroutine
// descended from it, is running it: [Current] reads it in about a
// nanosecond. pprof's goroutine profile lists live goroutines with their
// labels, which is how a verdict finds the goroutines of a test.
package ancestry

import (
	"context"
	"runtime/pprof"
	"unsafe"
)

// Key is the pprof label that names the checked test a goroutine belongs
// to. Its value is the test's scope number (see [Mark]).
const Key = "objtrack.check"

// Labels is the identity of a goroutine's label set: the address that the
// runtime copies to the goroutines it starts. nil means no labels.
type Labels unsafe.Pointer

// Current returns the label set of the calling goroutine.
func Current() Labels { return Labels(getProfLabel()) }

// Mark gives the calling goroutine the labels it has plus Key=value, and
// returns the new set and the one it replaces (for [Restore]).
func Mark(value string) (marked, previous Labels) {
	previous = Current()
	ctx := context.Background()
	if previous != nil {
		ctx = pprof.WithLabels(ctx, *setOf(previous))
	}
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels(Key, value)))
	return Current(), previous
}

// Restore gives the calling goroutine the label set l, which it had
// before [Mark]: frameworks that run every spec on one long-lived
// goroutine must not leave one spec's labels on it.
func Restore(l Labels) { setProfLabel(unsafe.Pointer(l)) }

// Value returns the value of Key in the label set l, if it has one.
func Value(l Labels) (string, bool) {
	if l == nil {
		return "", false
	}
	ctx := pprof.WithLabels(context.Background(), *setOf(l))
	return pprof.Label(ctx, Key)
}

// setOf reads a label set as the public type that holds it. The runtime
// does the same: it reads a goroutine's labels as the label.Set that is
// the first field of runtime/pprof's labelMap, a struct with the same
// fields as pprof.LabelSet. The test of this package fails if that ever
// changes.
func setOf(l Labels) *pprof.LabelSet { return (*pprof.LabelSet)(l) }
