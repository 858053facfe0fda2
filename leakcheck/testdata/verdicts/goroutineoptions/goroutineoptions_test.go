// Package goroutineoptions pins that leakcheck.GoroutineOptions applies to
// Check's goroutine check as it does to VerifyTestMain's: a checked test
// that leaves a goroutine blocked in blockForever passes when goleak is
// told to ignore that function, and fails without the option.
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

func TestCleanIgnoredTopFunction(t *testing.T) {
	leakcheck.Check(t, leakcheck.GoroutineOptions(goleak.IgnoreTopFunction(pkg+".blockForever")))
	go blockForever()
}

func TestLeakWithoutTheOption(t *testing.T) {
	leakcheck.Check(t)
	go blockForever()
}
