package trackable

import (
	"io"
)

// SetPanicOutputForTest redirects the default panic handler and forgets
// which trackers already panicked; the returned func undoes both.
func SetPanicOutputForTest(w io.Writer) (restore func()) {
	old := panicOutput.Swap(&w)
	reported.Clear()
	return func() { panicOutput.Store(old); reported.Clear() }
}

// RecordSize is the size of a record, which the cost bar depends on.
var RecordSize = recordSize

// WatchedLen counts the objects in the Watch table.
func WatchedLen() int {
	n := 0
	watched.Range(func(_, _ any) bool { n++; return true })
	return n
}
