// Package cleanups pins that objects captured by a test's own t.Cleanup
// closures are judged after those closures ran and were dropped, however
// many there are: 300 or 1000 cleanups registered after Check, each
// capturing its own tracked object, leave nothing behind. In the twins,
// one cleanup among them stores its object (a Handle) in a global: the
// test fails, for that Handle alone.
package cleanups

import (
	"runtime"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	ID int
}

// Handle is what the leaking cleanup keeps.
type Handle struct {
	trackable.Trackable
	ID int
}

var kept fixture.Kept[*Handle]

// registerCleanups registers n cleanups, each capturing a Conn of its own
// that it drops. If keepAt is in [0, n), that cleanup captures a Handle
// instead and keeps it.
func registerCleanups(t *testing.T, n, keepAt int) {
	for i := range n {
		if i == keepAt {
			h := trackable.Track(&Handle{ID: i})
			t.Cleanup(func() { kept.Keep(h) })
			continue
		}
		c := trackable.Track(&Conn{ID: i})
		t.Cleanup(func() { runtime.KeepAlive(c) })
	}
}

func TestClean300Cleanups(t *testing.T) {
	leakcheck.Check(t)
	registerCleanups(t, 300, -1)
}

func TestClean1000Cleanups(t *testing.T) {
	leakcheck.Check(t)
	registerCleanups(t, 1000, -1)
}

func TestLeakOneOf300CleanupsKeeps(t *testing.T) {
	leakcheck.Check(t)
	registerCleanups(t, 300, 150)
}

func TestLeakOneOf1000CleanupsKeeps(t *testing.T) {
	leakcheck.Check(t)
	registerCleanups(t, 1000, 10)
}
