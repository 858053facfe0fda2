// Package other pins three ways in which a checked test can go wrong
// without taking the rest of the run with it:
//
//   - Check called twice in one test fails that test, with a message that
//     says so, and the other tests still run and pass: the test binary is
//     not killed by a panic.
//   - A global tracker that panics in NotifyDestroyed is reported under its
//     own type, not under the tracker that leakcheck puts in front of it,
//     and the test that freed the object passes: the panic was recovered
//     and the object was freed.
//   - A tracked object whose destruction blocks forever (the global
//     tracker blocks in NotifyDestroyed for objects whose bundle is
//     blockMe) fails its test with a message that says the verdict gave
//     up on a blocked cleanup, after the Budget; the 10 checked tests after
//     it, which make and drop objects, do not each wait for the Budget
//     again: the binary ends well before 10 Budgets. With GOMAXPROCS
//     under 8 the runtime runs every cleanup on one goroutine, which the
//     blocked one holds, so no tracked object is reported destroyed after
//     it; what those later verdicts say is not pinned here, only that
//     they come quickly.
//
// The three run apart: see the -test.run patterns in
// leakcheck/verdicts_test.go.
package other

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestMain(m *testing.M) {
	trackable.SetGlobalTracker(blocker{})
	os.Exit(m.Run())
}

type Conn struct {
	trackable.Trackable
	ID int
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

func churn(n int) {
	for i := range n {
		dial(i)
	}
}

// Check called twice.

func TestFailCheckTwice(t *testing.T) {
	leakcheck.Check(t)
	churn(10)
	leakcheck.Check(t)
}

func TestCleanAfterCheckTwice(t *testing.T) {
	leakcheck.Check(t)
	churn(100)
}

func TestCleanParallelAfterCheckTwice(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	churn(100)
}

// A tracker that panics.

// panicky panics whenever an object it tracks is destroyed.
type panicky struct {
	trackable.TrackerMixin
	name string
}

func (p *panicky) NotifyDestroyed(e trackable.Event) {
	panic(fmt.Sprintf("%s: NotifyDestroyed of serial %d", p.name, e.Serial))
}

// installPanicky makes a panicky tracker global until the test ends.
func installPanicky(t *testing.T, name string) {
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(&panicky{name: name})
	t.Cleanup(func() { trackable.SetGlobalTracker(prev) })
}

func TestCleanPanickyTrackerInstalledBeforeCheck(t *testing.T) {
	installPanicky(t, "installed before Check")
	leakcheck.Check(t)
	churn(10)
}

func TestCleanPanickyTrackerInstalledAfterCheck(t *testing.T) {
	leakcheck.Check(t)
	installPanicky(t, "installed after Check")
	churn(10)
}

// A cleanup that blocks.

// blockMe marks, as its bundle, an object whose destruction blocks.
type blockMe struct{}

// never is never closed.
var never = make(chan struct{})

// blocker is the global tracker of the package: it blocks forever in
// NotifyDestroyed for objects marked blockMe, as a tracker waiting on a
// lock that is never released would.
type blocker struct {
	trackable.TrackerMixin
}

func (blocker) NotifyDestroyed(e trackable.Event) {
	if _, ok := e.Bundle.(blockMe); ok {
		<-never
	}
}

const budget = 2 * time.Second

func TestFailBlockedCleanup(t *testing.T) {
	leakcheck.Check(t, leakcheck.Budget(budget))
	c := dial(1)
	c.SetDataBundle(blockMe{})
	churn(10)
}

func afterBlocked(t *testing.T) {
	leakcheck.Check(t, leakcheck.Budget(budget))
	churn(10)
}

func TestAfterBlocked01(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked02(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked03(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked04(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked05(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked06(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked07(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked08(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked09(t *testing.T) { afterBlocked(t) }
func TestAfterBlocked10(t *testing.T) { afterBlocked(t) }
