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
//
// Built with the tag objtrack_fixture_testmain, the package pins how
// VerifyTestMain's options name types (main_test.go).
package typenames

import (
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
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

var kept fixture.Kept[any]

// dropSessions and dropConns make ten objects and drop them.
func dropSessions() {
	for i := range 10 {
		trackable.Track(&Session{ID: i})
	}
}

func dropConns() {
	for i := range 10 {
		trackable.Track(&Conn{ID: i})
	}
}

func TestCleanAllowUntrackedConn(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Conn", 1, "pooled"))
	dropSessions()
}

func TestCleanIgnoreUntrackedConn(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("Conn"))
	dropSessions()
}

func TestCleanNeverTrackedPool(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Pool", 1, "never made"), leakcheck.IgnoreTypes("typenames.Pool"))
	dropSessions()
}

func TestFailAllowMisspelt(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Conm", 1, "typo"))
	dropSessions()
}

func TestFailIgnoreMisspelt(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("typenames.Sesion"))
	dropConns()
}

func TestLeakMoreConnsThanAllowed(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Conn", 1, "pooled"))
	kept.Keep(trackable.Track(&Conn{ID: 1}))
	kept.Keep(trackable.Track(&Conn{ID: 2}))
}

func TestLeakSessionDespiteIgnoredConn(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("Conn"))
	kept.Keep(trackable.Track(&Conn{ID: 3}))
	kept.Keep(trackable.Track(&Session{ID: 4}))
}

// A pointer type is a type of the program, but objects are named by the
// type they point to: IgnoreTypes("*typenames.Conn") would ignore none.
func TestFailIgnorePointerType(t *testing.T) {
	leakcheck.Check(t, leakcheck.IgnoreTypes("*typenames.Conn"))
	dropConns()
}
