// Package sequential pins that a sequential checked test that leaks fails
// every time, even though a checked parallel test elsewhere in the
// package has called Check and is waiting in t.Parallel while the
// sequential one runs, whatever the order of the tests (-test.shuffle).
// A test paused in t.Parallel runs no code: it cannot have made the
// object, so the sequential test is the only one that could have, even
// when the object is made on a goroutine that runs none of the test's
// functions (a server that the test starts through a helper).
package sequential

import (
	"testing"

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

func TestCleanParallel(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	for i := range 500 {
		dial(i)
	}
}

func TestLeakSequential(t *testing.T) {
	leakcheck.Check(t)
	for i := range 100 {
		dial(i)
	}
	kept.Keep(dial(1))
}

// startServer stands for a server that the test starts: it makes
// connections on a goroutine of its own, and keeps one. No function of the
// test is on that goroutine's stack.
func startServer(done chan<- struct{}) {
	go serve(done)
}

func serve(done chan<- struct{}) {
	defer close(done)
	for i := range 100 {
		dial(i)
	}
	kept.Keep(dial(2))
}

func TestLeakSequentialOnAGoroutine(t *testing.T) {
	leakcheck.Check(t)
	done := make(chan struct{})
	startServer(done)
	<-done
}

func TestCleanSequential(t *testing.T) {
	leakcheck.Check(t)
	for i := range 100 {
		dial(i)
	}
}
