// Package contextcancel pins the verdicts of tests whose objects are
// released when the test's context (t.Context) is canceled, which
// package testing does just before it runs the test's cleanups, and so
// before the verdict: by context.AfterFunc(t.Context(), c.Close), whose
// function runs on a goroutine of its own, and by a worker goroutine
// that exits on <-t.Context().Done() and drops its object. Eight of each
// run in parallel (-test.parallel=8), and the run is repeated with
// -test.cpu=1,2: the verdict waits for those goroutines, and passes every
// time. Its twin, whose worker never exits, fails.
package contextcancel

import (
	"context"
	"fmt"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	Owner string
}

// open holds every connection until it is closed, as a client library's
// table of open connections does.
var open fixture.Open[*Conn]

func dial(owner string) *Conn {
	c := trackable.Track(&Conn{Owner: owner})
	return open.Add(c)
}

func (c *Conn) Close() {
	open.Remove(c)
}

// use stands for work done with a connection.
func use(c *Conn) { _ = c.Owner }

// afterFunc closes its connections when the test's context is canceled.
func afterFunc(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	for range 20 {
		c := dial(t.Name())
		use(c)
		context.AfterFunc(t.Context(), c.Close)
	}
}

// worker runs until ctx is canceled, with a connection that it closes
// and drops when it exits.
func worker(ctx context.Context, owner string, started chan<- struct{}) {
	c := dial(owner)
	close(started)
	<-ctx.Done()
	c.Close()
}

// workers starts five workers that run until the test's context is
// canceled, or forever.
func workers(t *testing.T, forever bool) {
	leakcheck.Check(t)
	t.Parallel()
	ctx := t.Context()
	if forever {
		ctx = context.Background()
	}
	for i := range 5 {
		started := make(chan struct{})
		go worker(ctx, fmt.Sprintf("%s/%d", t.Name(), i), started)
		<-started
	}
}

func TestCleanAfterFunc1(t *testing.T) { afterFunc(t) }
func TestCleanAfterFunc2(t *testing.T) { afterFunc(t) }
func TestCleanAfterFunc3(t *testing.T) { afterFunc(t) }
func TestCleanAfterFunc4(t *testing.T) { afterFunc(t) }
func TestCleanAfterFunc5(t *testing.T) { afterFunc(t) }
func TestCleanAfterFunc6(t *testing.T) { afterFunc(t) }
func TestCleanAfterFunc7(t *testing.T) { afterFunc(t) }
func TestCleanAfterFunc8(t *testing.T) { afterFunc(t) }

func TestCleanWorker1(t *testing.T) { workers(t, false) }
func TestCleanWorker2(t *testing.T) { workers(t, false) }
func TestCleanWorker3(t *testing.T) { workers(t, false) }
func TestCleanWorker4(t *testing.T) { workers(t, false) }
func TestCleanWorker5(t *testing.T) { workers(t, false) }
func TestCleanWorker6(t *testing.T) { workers(t, false) }
func TestCleanWorker7(t *testing.T) { workers(t, false) }
func TestCleanWorker8(t *testing.T) { workers(t, false) }

// TestLeakWorkerNeverExits starts its workers on a context that is never
// canceled: the workers, and their connections, outlive the test, and the
// report lists both.
func TestLeakWorkerNeverExits(t *testing.T) { workers(t, true) }
