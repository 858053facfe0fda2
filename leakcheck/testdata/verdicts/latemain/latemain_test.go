// Package latemain pins that VerifyTestMain judges the objects that
// goroutines started by the run make after the last test returned: a
// goroutine starts another, which tracks an object and blocks forever
// holding it. With goroutines unchecked (WithoutGoroutines), the run must
// still fail for the object.
package latemain

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

var never = make(chan struct{})

//go:noinline
func hold(c *Conn) {
	<-never
	c.Addr = ""
}

func TestMainLeakFromAGrandchildGoroutine(t *testing.T) {
	go func() {
		go hold(trackable.Track(&Conn{Addr: "late"}))
	}()
}
