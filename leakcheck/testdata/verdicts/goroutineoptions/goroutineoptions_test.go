// Package goroutineoptions pins that leakcheck.GoroutineOptions applies to
// Check's goroutine check as it does to VerifyTestMain's: a checked test
// that leaves a goroutine blocked in blockForever passes when goleak is
// told to ignore that function, and fails without the option, or with an
// option that ignores another function. A goroutine of the package that
// no test started (waitingForever) runs throughout: goleak, which looks
// at every goroutine of the process, must neither hide the test's behind
// it nor blame it on the test.
package goroutineoptions

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/objtrack/objtrack/leakcheck"
)

const pkg = "github.com/objtrack/objtrack/leakcheck/testdata/verdicts/goroutineoptions"

// never is never closed.
var never = make(chan struct{})

func blockForever() { <-never }

func waitingForever() { <-never }

func init() { go waitingForever() }

func TestCleanIgnoredTopFunction(t *testing.T) {
	leakcheck.Check(t, leakcheck.GoroutineOptions(goleak.IgnoreTopFunction(pkg+".blockForever")))
	go blockForever()
}

func TestLeakWithoutTheOption(t *testing.T) {
	leakcheck.Check(t)
	go blockForever()
}

func TestLeakWithAnOptionForAnotherFunction(t *testing.T) {
	leakcheck.Check(t, leakcheck.GoroutineOptions(goleak.IgnoreTopFunction(pkg+".waitingForever")))
	go blockForever()
}
