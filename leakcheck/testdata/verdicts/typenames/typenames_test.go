// Package typenames pins how Allow and IgnoreTypes name types that were
// never tracked in the process: a checked test that allows or ignores
// "Conn" and makes no Conn passes, even when it runs alone
// (-test.run '^TestCleanAllowUntrackedConn$') so that no Conn was ever
// tracked. The type exists; that no object of it was made is no typo.
// The twins show the options still work when objects survive: more Conns
// than allowed fail, and ignoring Conn does not hide a Session.
package typenames

import (
	"sync"
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	ID int
}

type Session struct {
	trackable.Trackable
	ID int
}

var kept struct {
	sync.Mutex
	objects []any
}

func keep(o any) {
	kept.Lock()
	defer kept.Unlock()
	kept.objects = append(kept.objects, o)
}

func TestCleanAllowUntrackedConn(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Conn", 1, "pooled"))
	for i := range 10 {
		trackable.Track(&Session{ID: i})
	}
}

func TestCleanIgnoreUntrackedConn(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("Conn"))
	for i := range 10 {
		trackable.Track(&Session{ID: i})
	}
}

func TestLeakMoreConnsThanAllowed(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Conn", 1, "pooled"))
	keep(trackable.Track(&Conn{ID: 1}))
	keep(trackable.Track(&Conn{ID: 2}))
}

func TestLeakSessionDespiteIgnoredConn(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("Conn"))
	keep(trackable.Track(&Conn{ID: 3}))
	keep(trackable.Track(&Session{ID: 4}))
}
