// Package afterreturn pins that a checked test whose goroutine outlives it
// by a few milliseconds, holding a tracked object, passes: the verdict
// waits for the test's goroutines to end before it judges the objects
// they held. Its twin, whose goroutine never ends, fails.
package afterreturn

import (
	"runtime"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	ID int
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

// never is never closed.
var never = make(chan struct{})

// use stands for work done with a connection.
func use(c *Conn) { runtime.KeepAlive(c) }

func TestCleanGoroutineEndsAfterTheTest(t *testing.T) {
	leakcheck.Check(t)
	c := dial(1)
	go func() {
		time.Sleep(5 * time.Millisecond)
		use(c)
	}()
}

func TestLeakGoroutineNeverEnds(t *testing.T) {
	leakcheck.Check(t)
	c := dial(2)
	go func() {
		<-never
		use(c)
	}()
}
