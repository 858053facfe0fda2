package trackable

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// TrackerPanic describes a panic raised by a [Tracker] method. The panic
// was recovered: the object's state was updated as if the tracker had
// returned, and other trackers and later notifications are unaffected.
type TrackerPanic struct {
	Tracker Tracker // the tracker that panicked
	Method  string  // "NotifyAttached", "NotifyDetached", "NotifyUpdated" or "NotifyDestroyed"
	Event   Event   // the event it was handling
	Value   any     // the value passed to panic
	Stack   []byte  // the panicking goroutine's stack
}

// Error describes the panic in one line.
func (p *TrackerPanic) Error() string {
	return fmt.Sprintf("trackable: tracker %T panicked in %s for %s#%d: %v",
		p.Tracker, p.Method, typeName(p.Event.Type), p.Event.Serial, p.Value)
}

// panicOutput is where the default handler writes: standard error, or
// what a test put there.
var panicOutput atomic.Pointer[io.Writer]

func panicWriter() io.Writer {
	if w := panicOutput.Load(); w != nil {
		return *w
	}
	return os.Stderr
}

// panicHandler holds the func(*TrackerPanic) set by SetPanicHandler.
var panicHandler atomic.Pointer[func(*TrackerPanic)]

// reported remembers which tracker and method panicked already.
var reported sync.Map // panicKey -> struct{}

type panicKey struct {
	typ    reflect.Type
	ptr    uintptr
	method string
}

// SetPanicHandler sets the function told about a tracker that panicked:
// it is called once for each tracker and method, the first time that
// method panics, on the goroutine that sent the notification. nil
// restores the default, which writes the panic and its stack to standard
// error. It returns the handler it replaced (nil for the default).
//
// A handler that panics itself is recovered and ignored.
func SetPanicHandler(h func(*TrackerPanic)) (previous func(*TrackerPanic)) {
	var old *func(*TrackerPanic)
	if h == nil {
		old = panicHandler.Swap(nil)
	} else {
		old = panicHandler.Swap(&h)
	}
	if old == nil {
		return nil
	}
	return *old
}

func defaultPanicHandler(p *TrackerPanic) {
	fmt.Fprintf(panicWriter(), "%s (reported once for this tracker and method)\n%s\n", p.Error(), p.Stack)
}

// recoverTracker recovers a panic of t's method m for e (it must be
// deferred: recover works only there).
func recoverTracker(t Tracker, m method, e *Event) {
	if v := recover(); v != nil {
		trackerPanicked(t, m.String(), *e, v)
	}
}

func trackerPanicked(t Tracker, method string, e Event, v any) {
	key := panicKey{typ: reflect.TypeOf(t), method: method}
	if rv := reflect.ValueOf(t); rv.Kind() == reflect.Pointer {
		key.ptr = rv.Pointer()
	}
	if _, seen := reported.LoadOrStore(key, struct{}{}); seen {
		return
	}
	p := &TrackerPanic{Tracker: t, Method: method, Event: e, Value: v, Stack: debug.Stack()}
	h := defaultPanicHandler
	if custom := panicHandler.Load(); custom != nil {
		h = *custom
	}
	defer func() { _ = recover() }()
	h(p)
}
