// Package synctest pins the verdicts of Check called inside a
// testing/synctest bubble, where the verdict runs too (synctest.Test runs
// the test's cleanups in the bubble): a worker goroutine of the bubble
// that tracks 5,000 short-lived objects leaves nothing behind and
// passes, quickly, although time in the bubble is fake and the garbage
// collector's cleanups run outside it; so does a worker that holds its
// object a few (fake) milliseconds after the test's function returned,
// which the verdict waits for. The twin of the first (with a tenth of its
// objects, to keep the run short) keeps one object in a global and fails
// with the report.
package synctest

import (
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	ID int
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

var kept fixture.Kept[*Conn]

// use stands for work done with a connection.
func use(c *Conn) { runtime.KeepAlive(c) }

const objects = 5000

// work makes n connections on a worker goroutine of the bubble, a few at
// a time with fake sleeps in between, and calls last with the last one.
func work(n int, last func(*Conn)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var c *Conn
		for i := range n {
			c = dial(i)
			if i%1000 == 999 {
				time.Sleep(time.Second) // fake time: returns at once
			}
		}
		last(c)
	}()
	<-done
}

func TestCleanWorkerInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leakcheck.Check(t)
		work(objects, func(*Conn) {})
	})
}

func TestCleanWorkerEndsAfterTheTest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leakcheck.Check(t)
		c := dial(1)
		go func() {
			time.Sleep(5 * time.Millisecond)
			use(c)
		}()
	})
}

func TestLeakWorkerInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leakcheck.Check(t)
		work(objects/10, func(c *Conn) {
			c.SetDataBundle("kept by the bubble's worker")
			kept.Keep(c)
		})
	})
}

// Bubbles in parallel tests, beside a checked test outside any bubble:
// their verdicts share collections with each other and with the one
// outside, which must not look like a deadlock to synctest.
func TestCleanParallelBubbles(t *testing.T) {
	for i := range 3 {
		t.Run(fmt.Sprint("bubble", i), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				leakcheck.Check(t)
				for range 1000 {
					dial(i)
				}
			})
		})
	}
	t.Run("outside", func(t *testing.T) {
		leakcheck.Check(t)
		t.Parallel()
		for range 5000 {
			dial(-1)
		}
	})
}
