package trackable_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/trackable"
)

// panicky panics in every method.
type panicky struct{ _ int }

func (panicky) NotifyAttached(trackable.Event)  { panic("attach bug") }
func (panicky) NotifyDetached(trackable.Event)  { panic("detach bug") }
func (panicky) NotifyUpdated(trackable.Event)   { panic("update bug") }
func (panicky) NotifyDestroyed(trackable.Event) { panic("destroy bug") }

// tee sends every event to several trackers, like a user's fan-out.
type tee []trackable.Tracker

func (t tee) NotifyAttached(e trackable.Event) {
	for _, tr := range t {
		tr.NotifyAttached(e)
	}
}
func (t tee) NotifyDetached(e trackable.Event) {
	for _, tr := range t {
		tr.NotifyDetached(e)
	}
}
func (t tee) NotifyUpdated(e trackable.Event) {
	for _, tr := range t {
		tr.NotifyUpdated(e)
	}
}
func (t tee) NotifyDestroyed(e trackable.Event) {
	for _, tr := range t {
		tr.NotifyDestroyed(e)
	}
}

func TestPanickingTrackerIsReportedOnceAndIgnored(t *testing.T) {
	var out lockedBuffer
	defer trackable.SetPanicOutputForTest(&out)()
	bad := &panicky{}
	useGlobal(t, bad)
	for i := range 3 {
		c := trackable.Track(&Conn{})
		c.SetDataBundle(i)
		c.SetTracker(bad)
	}
	makeAndDrop("x")
	settleGC(t)

	text := out.String()
	for _, m := range []string{"NotifyAttached", "NotifyDetached", "NotifyUpdated", "NotifyDestroyed"} {
		assert.Equal(t, 1, strings.Count(text, "panicked in "+m), "reported once: %s", m)
	}
	assert.Contains(t, text, "trackable: tracker *trackable_test.panicky panicked in NotifyAttached for trackable_test.Conn#")
	assert.Contains(t, text, ": attach bug (reported once for this tracker and method)")
	assert.Contains(t, text, "goroutine ", "the report has the stack")
}

// lockedBuffer is written by cleanup goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPanicHandlerIsCalledOncePerTrackerAndMethod(t *testing.T) {
	defer trackable.SetPanicOutputForTest(&lockedBuffer{})()
	var mu sync.Mutex
	var got []*trackable.TrackerPanic
	prev := trackable.SetPanicHandler(func(p *trackable.TrackerPanic) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
	})
	defer func() { trackable.SetPanicHandler(prev) }()
	a, b := &panicky{}, &panicky{}
	useGlobal(t, a)
	trackable.Track(&Conn{})
	trackable.Track(&Conn{})
	c := trackable.Track(&Conn{})
	c.SetTracker(b)
	c.SetTracker(b)
	c.SetTracker(nil)
	settleGC(t) // the dropped objects tell a before the handler is restored

	mu.Lock()
	defer mu.Unlock()
	var methods []string
	for _, p := range got {
		methods = append(methods, p.Method)
		assert.NotEmpty(t, p.Stack)
		assert.Equal(t, connType, p.Event.Type)
	}
	// a: attached, detached; b: attached, detached; then a again when the
	// two objects still attached to it are destroyed.
	assert.Equal(t, []string{"NotifyAttached", "NotifyDetached", "NotifyAttached", "NotifyDetached", "NotifyDestroyed"}, methods)
	assert.Same(t, a, got[0].Tracker)
	assert.Same(t, b, got[2].Tracker)
	assert.Equal(t, "attach bug", got[0].Value)
}

func TestPanickingTrackerDoesNotDisturbCounts(t *testing.T) {
	defer trackable.SetPanicOutputForTest(&lockedBuffer{})()
	inv := trackable.NewInventory()
	// The panicking tracker comes first: the inventory behind it misses
	// events, but the objects' own state stays right.
	good := trackable.NewInventory()
	useGlobal(t, tee{good, panicky{}, inv})
	kept := trackable.Track(&Conn{})
	makeAndDrop("x")
	settleGC(t)
	tc, err := good.Snapshot().Lookup("Conn")
	require.NoError(t, err)
	assert.Equal(t, int64(1), tc.Live)
	assert.Equal(t, int64(1), tc.Retired)
	assert.NotZero(t, kept.TrackerSerial())
	kept.SetTracker(nil)
}

func TestPanickingHandlerIsIgnored(t *testing.T) {
	defer trackable.SetPanicOutputForTest(&lockedBuffer{})()
	prev := trackable.SetPanicHandler(func(*trackable.TrackerPanic) { panic("handler bug") })
	defer func() { trackable.SetPanicHandler(prev) }()
	useGlobal(t, panicky{})
	assert.NotPanics(t, func() { trackable.Track(&Conn{}).SetTracker(nil) })
}

func TestSetPanicHandlerReturnsPrevious(t *testing.T) {
	assert.Nil(t, trackable.SetPanicHandler(nil), "the default is reported as nil")
	h := func(*trackable.TrackerPanic) {}
	trackable.SetPanicHandler(h)
	assert.NotNil(t, trackable.SetPanicHandler(nil))
}
