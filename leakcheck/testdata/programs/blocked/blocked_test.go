// Package blocked pins the verdicts after a finalizer, or a cleanup,
// that blocks for ever: the test that finds it fails once, with the
// cause; later tests are judged as usual, quickly, and a later leak is
// still reported: an object kept, or a goroutine left running (judged
// even where a blocked cleanup leaves the objects unjudged). An object
// that only a finalizer queued behind the blocked one holds is never
// freed, by the runtime's doing: no later test's leak.
package blocked

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	buf [64]byte
}

var (
	never = make(chan struct{})
	kept  []*Conn
)

// budget keeps the first verdict short: it waits its budget for the
// blocked function, once.
const budget = 500 * time.Millisecond

// blockFinalizer drops an object whose finalizer blocks for ever, and
// collects it: the finalizer goroutine runs it, and never returns.
func blockFinalizer() {
	x := new([64]byte)
	runtime.SetFinalizer(x, func(*[64]byte) { <-never })
	x = nil
	runtime.GC()
}

func blockCleanup() {
	x := new([64]byte)
	runtime.AddCleanup(x, func(int) { <-never }, 0)
	x = nil
	runtime.GC()
}

// churn drops objects with finalizers and cleanups of their own, as
// os.File and net.Conn have: they queue behind a blocked finalizer.
func churn() {
	for range 10 {
		f, err := os.Open(os.DevNull)
		if err == nil {
			_ = f // dropped open: its finalizer closes it
		}
		trackable.Track(&Conn{})
	}
}

func TestFailBlockedFinalizer(t *testing.T) {
	leakcheck.Check(t, leakcheck.Budget(budget))
	trackable.Track(&Conn{})
	blockFinalizer()
	churn()
}

func TestFailBlockedCleanup(t *testing.T) {
	leakcheck.Check(t, leakcheck.Budget(budget))
	trackable.Track(&Conn{})
	blockCleanup()
	churn()
}

func TestCleanLater1(t *testing.T) { leakcheck.Check(t); churn() }
func TestCleanLater2(t *testing.T) { leakcheck.Check(t); churn() }
func TestCleanLater3(t *testing.T) { leakcheck.Check(t); churn() }
func TestCleanLater4(t *testing.T) { leakcheck.Check(t); churn() }
func TestCleanLater5(t *testing.T) { leakcheck.Check(t); churn() }

func TestCleanLaterHeldByAQueuedFinalizer(t *testing.T) {
	leakcheck.Check(t)
	c := trackable.Track(&Conn{})
	x := new([64]byte)
	runtime.SetFinalizer(x, func(*[64]byte) { runtime.KeepAlive(c) })
}

func TestLeakLater(t *testing.T) {
	leakcheck.Check(t)
	churn()
	kept = append(kept, trackable.Track(&Conn{}))
}

func TestLeakLaterGoroutine(t *testing.T) {
	leakcheck.Check(t)
	churn()
	started := make(chan struct{})
	go func() {
		close(started)
		<-never
	}()
	<-started
}
