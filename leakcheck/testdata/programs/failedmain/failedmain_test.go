// Package failedmain pins what VerifyTestMain says when a test of the
// run fails: it does not judge what outlived the run, and says so in one
// line, so that a leak of a test that passed is not taken for judged.
package failedmain

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct{ trackable.Trackable }

var kept []*Conn

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestFailOnPurpose(t *testing.T) { t.Error("this test fails on purpose") }

func TestMainLeakKeepsAConn(t *testing.T) { kept = append(kept, trackable.Track(&Conn{})) }
