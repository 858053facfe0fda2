// Package signals pins that a checked test may subscribe to signals and
// unsubscribe: the first signal.Notify in a process starts the runtime's
// signal-delivery goroutine, which runs until the process exits, but it
// belongs to package os/signal, not to the test that happened to call
// Notify first. Whichever of these tests runs first (-test.shuffle), both
// pass. A test that really leaks a goroutine still fails, so the
// goroutine check is not simply off.
package signals

import (
	"bytes"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	ID int
}

func TestCleanSignalNotifyStop(t *testing.T) {
	leakcheck.Check(t)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR2)
	signal.Stop(ch)
}

func TestCleanDumpOnSignalStopped(t *testing.T) {
	leakcheck.Check(t)
	inv := trackable.NewInventory()
	c := trackable.Track(&Conn{ID: 1})
	c.SetTracker(inv)
	var out bytes.Buffer
	stop := inspect.DumpOnSignal(inv, &out, inspect.Signals(syscall.SIGUSR1))
	stop()
}

// never is never closed.
var never = make(chan struct{})

func waitForever() { <-never }

func TestLeakGoroutine(t *testing.T) {
	leakcheck.Check(t)
	go waitForever()
}
