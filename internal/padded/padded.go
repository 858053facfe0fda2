// Package padded has counters that sit alone on their cache line, for
// counts that different goroutines write at once: the goroutines that make
// objects and the runtime's cleanup goroutines that free them would
// otherwise fight over one line.
package padded

import "sync/atomic"

// Int64 is an atomic counter alone on its cache line.
type Int64 struct {
	_ [64]byte
	atomic.Int64
}
