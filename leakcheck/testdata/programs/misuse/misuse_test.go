// Package misuse pins that a call of Check that would judge nothing
// (deferred, directly or by a deferred function; in t.Cleanup; on another
// goroutine; with a parent's t in a subtest) fails its test with what to
// write instead, and that the usual shapes of a test that calls Check are
// not taken for misuse.
package misuse

import (
	"sync"
	"testing"
	"testing/synctest"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct{ trackable.Trackable }

var kept []*Conn

func keep() { kept = append(kept, trackable.Track(&Conn{})) }

func TestFailDeferredCheck(t *testing.T) {
	defer leakcheck.Check(t)
	keep()
}

func TestFailDeferredCheckInALoop(t *testing.T) {
	for range 1 {
		defer leakcheck.Check(t)
	}
	keep()
}

func TestFailCheckOnAnotherGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	wg.Go(func() { leakcheck.Check(t) })
	wg.Wait()
	keep()
}

// The shapes that are not misuse: Check first, last, in a helper, in a
// one-line test, in a subtest, in a synctest bubble, in a benchmark.
func TestCleanCheckFirst(t *testing.T) {
	leakcheck.Check(t)
	trackable.Track(&Conn{})
}

func TestCleanCheckLast(t *testing.T) {
	trackable.Track(&Conn{})
	leakcheck.Check(t)
}

func setup(t *testing.T) *Conn {
	t.Helper()
	leakcheck.Check(t)
	return trackable.Track(&Conn{})
}

func TestCleanCheckInAHelper(t *testing.T) { setup(t) }

func TestCleanCheckOneLine(t *testing.T) { leakcheck.Check(t) }

func TestCleanCheckInSubtests(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			leakcheck.Check(t)
			trackable.Track(&Conn{})
		})
	}
}

func TestCleanCheckInABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leakcheck.Check(t)
		trackable.Track(&Conn{})
	})
}

func TestLeakCheckFirst(t *testing.T) {
	leakcheck.Check(t)
	keep()
}

func BenchmarkCheck(b *testing.B) {
	leakcheck.Check(b)
	for b.Loop() {
		trackable.Track(&Conn{})
	}
}

// A test that panics fails for its panic: no leak report comes before it.
func TestFailPanicsKeepingAConn(t *testing.T) {
	leakcheck.Check(t)
	c := trackable.Track(&Conn{})
	panic(c)
}

func TestFailDeferredClosure(t *testing.T) {
	defer func() { leakcheck.Check(t) }()
	keep()
}

func check(t *testing.T) { leakcheck.Check(t) }

func TestFailDeferredHelper(t *testing.T) {
	defer check(t)
	keep()
}

func TestFailCheckInCleanup(t *testing.T) {
	t.Cleanup(func() { leakcheck.Check(t) })
	keep()
}

func TestFailParentTInASubtest(t *testing.T) {
	t.Run("sub", func(*testing.T) { leakcheck.Check(t) })
	keep()
}

// A helper with a defer of its own, and a test whose last call is a
// helper that calls Check, are not deferred calls of Check.
func setupWithDefer(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	defer mu.Unlock()
	leakcheck.Check(t)
}

func TestCleanCheckInAHelperWithADefer(t *testing.T) {
	setupWithDefer(t)
	trackable.Track(&Conn{})
}

func TestCleanCheckInAHelperCalledLast(t *testing.T) {
	trackable.Track(&Conn{})
	check(t)
}

func TestCleanCheckInASubtestOfASubtest(t *testing.T) {
	t.Run("a", func(t *testing.T) {
		t.Run("b", func(t *testing.T) {
			leakcheck.Check(t)
			trackable.Track(&Conn{})
		})
	})
}
