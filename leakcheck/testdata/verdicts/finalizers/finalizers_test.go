// Package finalizers pins that verdicts wait for objects that only a
// finalizer or a cleanup argument keeps alive, under Check and under
// VerifyTestMain:
//
//   - a tracked Conn held only by an object with a finalizer is freed one
//     collection after the finalizer ran;
//   - a tracked Conn passed as the argument of another object's
//     runtime.AddCleanup is freed one collection after that cleanup ran,
//     and behind a chain of 5 such holders, 5 collections later.
//
// None of the holders is tracked: while they go, no tracked object is
// freed, and a verdict that stops at the first collection that freed no
// tracked object blames the Conn. The leaking twins keep the first holder
// in a global, and fail. Tests named TestMainLeak... pass themselves and
// leave their holder to VerifyTestMain, which fails the run.
package finalizers

import (
	"runtime"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

type Conn struct {
	trackable.Trackable
	ID int
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

// finalized holds a Conn and has a finalizer.
type finalized struct {
	conn *Conn
	name string
}

func finalize(*finalized) {}

//go:noinline
func newFinalized(id int) *finalized {
	f := &finalized{conn: dial(id), name: "finalized"}
	runtime.SetFinalizer(f, finalize)
	return f
}

// holder passes what it holds to its cleanup: next, another holder, or
// conn at the end of a chain.
type holder struct {
	name string
}

func release(any) {}

// newChain returns the first of n holders, each the cleanup argument of
// the one before, the last one's cleanup argument being a new Conn.
//
//go:noinline
func newChain(n, id int) *holder {
	var next any = dial(id)
	var h *holder
	for range n {
		h = &holder{name: "holder"}
		runtime.AddCleanup(h, release, next)
		next = h
	}
	return h
}

var kept fixture.Kept[any]

func TestCleanFinalizerHolder(t *testing.T) {
	leakcheck.Check(t)
	newFinalized(1)
}

func TestCleanCleanupArgument(t *testing.T) {
	leakcheck.Check(t)
	newChain(1, 2)
}

func TestCleanCleanupChainOf5(t *testing.T) {
	leakcheck.Check(t)
	newChain(5, 3)
}

func TestLeakFinalizerHolderKept(t *testing.T) {
	leakcheck.Check(t)
	kept.Keep(newFinalized(4))
}

func TestLeakCleanupChainKept(t *testing.T) {
	leakcheck.Check(t)
	kept.Keep(newChain(5, 5))
}

// The same without Check: VerifyTestMain judges these objects.

func TestCleanFinalizerHolderUnchecked(t *testing.T) {
	newFinalized(6)
}

func TestCleanCleanupChainOf5Unchecked(t *testing.T) {
	newChain(5, 7)
}

func TestMainLeakFinalizerHolderKept(t *testing.T) {
	kept.Keep(newFinalized(8))
}

func TestMainLeakCleanupChainKept(t *testing.T) {
	kept.Keep(newChain(5, 9))
}
