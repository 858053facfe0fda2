// Package fuzzworker pins what Check(f) judges under go test -fuzz, where
// the inputs run in worker processes: a target whose inputs keep what
// they track fails, with the report, as does one where only some inputs
// keep it; a target whose inputs drop what they track passes, as does one
// whose inputs share an object that the target made, and one whose inputs
// leave an object to a timer that lets go of it shortly after. Goroutines
// likewise: inputs that leave goroutines running for ever fail, inputs
// whose goroutines end shortly after them, or that the options ignore,
// pass.
package fuzzworker

import (
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	n int
}

func dial(n int) *Conn { return trackable.Track(&Conn{n: n}) }

var kept fixture.Kept[*Conn]

func FuzzLeakKeeps(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) { kept.Keep(dial(len(b))) })
}

func FuzzLeakSomeInputs(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := dial(len(b))
		if len(b) > 4 {
			kept.Keep(c)
		}
	})
}

func FuzzCleanParse(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) { runtime.KeepAlive(dial(len(b))) })
}

func FuzzCleanSharedByTheInputs(f *testing.F) {
	leakcheck.Check(f)
	shared := dial(0)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		runtime.KeepAlive(shared)
		runtime.KeepAlive(dial(len(b)))
	})
}

func FuzzCleanTimerLetsGo(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := dial(len(b))
		time.AfterFunc(20*time.Millisecond, func() { runtime.KeepAlive(c) })
	})
}

// never is closed by no one: a goroutine that receives from it runs for
// ever.
var never = make(chan struct{})

func FuzzLeakGoroutine(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		runtime.KeepAlive(dial(len(b)))
		if len(b) > 4 {
			go func() { <-never }()
		}
	})
}

func FuzzCleanGoroutineEnds(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		runtime.KeepAlive(dial(len(b)))
		if len(b) > 4 {
			go func() { time.Sleep(20 * time.Millisecond) }()
		}
	})
}

// waitForever runs for ever; FuzzCleanGoroutineIgnored's options ignore
// it.
func waitForever() { <-never }

func FuzzCleanGoroutineIgnored(f *testing.F) {
	leakcheck.Check(f, leakcheck.GoroutineOptions(goleak.IgnoreAnyFunction("github.com/objtrack/objtrack/leakcheck/testdata/programs/fuzzworker.waitForever")))
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		runtime.KeepAlive(dial(len(b)))
		if len(b) > 4 {
			go waitForever()
		}
	})
}
