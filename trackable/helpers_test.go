package trackable_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/trackable"
	"github.com/objtrack/objtrack/trackable/internal/ambiguous"
	also "github.com/objtrack/objtrack/trackable/internal/ambiguous/also"
)

// Conn is the tracked type most tests use.
type Conn struct {
	trackable.Trackable
	Addr string
}

// Session is a second tracked type.
type Session struct {
	trackable.Trackable
	ID   int
	Peer *Session // lets tests build cycles
}

// recorder is the tests' Tracker: it writes down every event, as a line
// for tests of order and content and as the Event itself for tests of
// what an Event carries.
type recorder struct {
	mu     sync.Mutex
	events []string
	raw    []trackable.Event
}

func (r *recorder) add(kind string, e trackable.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("%s %s#%d %v", kind, e.Type, e.Serial, e.Bundle))
	r.raw = append(r.raw, e)
}

func (r *recorder) NotifyAttached(e trackable.Event)  { r.add("attached", e) }
func (r *recorder) NotifyDetached(e trackable.Event)  { r.add("detached", e) }
func (r *recorder) NotifyUpdated(e trackable.Event)   { r.add("updated", e) }
func (r *recorder) NotifyDestroyed(e trackable.Event) { r.add("destroyed", e) }

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events, r.raw = nil, nil
	return out
}

// attached returns the Events of every NotifyAttached so far.
func (r *recorder) attached() []trackable.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []trackable.Event
	for i, line := range r.events {
		if strings.HasPrefix(line, "attached ") {
			out = append(out, r.raw[i])
		}
	}
	return out
}

// useGlobal installs tr as the global tracker for the rest of the test.
func useGlobal(t testing.TB, tr trackable.Tracker) {
	t.Helper()
	old := trackable.GlobalTracker()
	trackable.SetGlobalTracker(tr)
	t.Cleanup(func() { trackable.SetGlobalTracker(old) })
}

// settleGC collects garbage until every cleanup has run, and fails the
// test if that does not happen.
func settleGC(t testing.TB) {
	t.Helper()
	if err := settle.Settle(30 * time.Second).Err(); err != nil {
		t.Fatal(err)
	}
}

func ev(kind string, serial uint64, bundle any) string {
	return fmt.Sprintf("%s trackable_test.Conn#%d %v", kind, serial, bundle)
}

func itoa(n uint64) string { return fmt.Sprint(n) }

// otherConn has a different name; TestLookupAmbiguous gives it the bare
// name Conn through a type in another package below.
type otherConn = ambiguous.Conn

// alsoConn prints as otherConn does: "ambiguous.Conn".
type alsoConn = also.Conn
