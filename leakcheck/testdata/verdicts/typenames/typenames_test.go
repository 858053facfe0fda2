// Package typenames pins how Allow and IgnoreTypes name types. A checked
// test that allows or ignores "Conn" and makes no Conn passes, even when
// it runs alone (-test.run '^TestCleanAllowUntrackedConn$') so that no
// Conn was ever tracked: the type exists; that no object of it was made
// is no typo. Nor is naming Pool, a type of the program that nothing
// ever tracks. A name that names no type of the program fails the test
// that takes it, every time, with the close name that it misspells, and
// so does a pointer type's name, saying to write the name without the *
// (objects are named by the type they point to). The
// twins show the options still work when objects survive: more Conns
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
	ID   int
	pool *Pool // puts Pool in the program, though none is ever made
}

type Session struct {
	trackable.Trackable
	ID int
}

// Pool is a type of the program that no test tracks.
type Pool struct {
	trackable.Trackable
	conns []*Conn
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

func TestCleanNeverTrackedPool(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Pool", 1, "never made"), leakcheck.IgnoreTypes("typenames.Pool"))
	for i := range 10 {
		trackable.Track(&Session{ID: i})
	}
}

func TestFailAllowMisspelt(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Conm", 1, "typo"))
	for i := range 10 {
		trackable.Track(&Session{ID: i})
	}
}

func TestFailIgnoreMisspelt(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("typenames.Sesion"))
	for i := range 10 {
		trackable.Track(&Conn{ID: i})
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

// A pointer type is a type of the program, but objects are named by the
// type they point to: IgnoreTypes("*typenames.Conn") would ignore none.
func TestFailIgnorePointerType(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("*typenames.Conn"))
	for i := range 10 {
		trackable.Track(&Conn{ID: i})
	}
}
