// Package typenamesmain pins that a misspelt type name still fails,
// whatever the order of the tests: one test allows "Conm" (meaning Conn)
// and makes no Conn, another makes and drops a Conn. No test leaks, but
// the run must fail with a message that names "Conm", and the candidate
// "Conn", once every test is done and every tracked type is known.
package typenamesmain

import (
	"testing"

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

type Session struct {
	trackable.Trackable
	ID int
}

func TestAllowsAMisspeltType(t *testing.T) {
	leakcheck.Check(t, leakcheck.Allow("Conm", 1, "typo"))
	for i := range 10 {
		trackable.Track(&Session{ID: i})
	}
}

func TestMakesAndDropsAConn(t *testing.T) {
	leakcheck.Check(t)
	for i := range 10 {
		trackable.Track(&Conn{ID: i})
	}
}
