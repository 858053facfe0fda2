// Package grandchild pins that a goroutine started by a goroutine of the
// test is the test's too, after its parent has returned: a test starts
// goroutine A, A starts B and returns, and B blocks forever. B is
// neither started by the test's goroutine nor runs the test's code, and
// its parent is gone, yet it is the test's leak: the test fails with B
// in the report. When B ends before the test returns, the test passes.
package grandchild

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

// never is never closed: a goroutine that receives from it never ends.
var never = make(chan struct{})

// startWorker is goroutine A: it starts goroutine B and returns.
func startWorker(started chan<- struct{}, finish <-chan struct{}, done chan<- struct{}) {
	go waitForever(started, finish, done)
}

// waitForever is goroutine B: it waits until finish is closed, which for
// the leaking test is never.
func waitForever(started chan<- struct{}, finish <-chan struct{}, done chan<- struct{}) {
	close(started)
	<-finish
	close(done)
}

func TestLeakGrandchildGoroutine(t *testing.T) {
	leakcheck.Check(t)
	started := make(chan struct{})
	go startWorker(started, never, make(chan struct{}))
	<-started
}

func TestCleanGrandchildGoroutine(t *testing.T) {
	leakcheck.Check(t)
	started, finish, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go startWorker(started, finish, done)
	<-started
	close(finish)
	<-done
}
