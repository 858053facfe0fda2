// Package holdersmain leaks objects that VerifyTestMain judges, so that
// its JSON report carries their retention paths: two connections kept by
// one package-level slice (one holder, shown once for both), one kept
// by a goroutine that the test started and that blocks forever, and one
// that a closure in a package-level map captured.
package holdersmain

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m, leakcheck.WithoutGoroutines())
}

type Conn struct {
	trackable.Trackable
	Addr string
}

//go:noinline
func dial(addr string) *Conn { return trackable.Track(&Conn{Addr: addr}) }

var pool []*Conn

func TestMainLeakTwoInOneSlice(t *testing.T) {
	pool = append(pool, dial("a"), dial("b"))
}

var never = make(chan struct{})

//go:noinline
func wait(c *Conn) {
	<-never
	c.Addr = ""
}

func TestMainLeakHeldByGoroutine(t *testing.T) {
	go wait(dial("waiting"))
}

// hooks keeps callbacks by name: a closure there keeps what it captured.
var hooks = map[string]func(){}

func TestMainLeakHeldByClosure(t *testing.T) {
	c := dial("hooked")
	hooks["close"] = func() { c.Addr = "" }
}
