package leakcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/owner"
	"github.com/objtrack/objtrack/internal/settle"
)

// TestingT is the part of *testing.T that Check uses. *testing.T,
// *testing.B and Ginkgo's GinkgoT() satisfy it.
type TestingT interface {
	Helper()
	Name() string
	Cleanup(func())
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Failed() bool
}

// Check judges one test: after the test, its subtests and its cleanups
// end, it fails the test with a report if objects that the test tracked
// survived it, or goroutines that the test started are still running.
//
// Call it first in the test, before anything that registers a t.Cleanup
// or starts a goroutine: cleanups run last-in first-out, and the verdict
// must come after the test's own cleanups have released their objects.
//
//	func TestDial(t *testing.T) {
//		leakcheck.Check(t)
//		...
//	}
//
// An object, or a goroutine, is the test's if the test's goroutine made
// it, or any goroutine that the test's goroutine started, or that those
// started, at any depth, after Check. Check marks the test's goroutine
// with a pprof label, which the runtime passes on to every goroutine it
// starts, so this holds however many tests run in parallel, before or
// after t.Parallel, checked or not. A subtest that calls Check judges its
// own objects; the objects of a subtest that does not are its parent's.
// Where a goroutine carries no checked test's label (code under test ran
// pprof.Do with a context of its own; time.AfterFunc), its objects and
// goroutines are the test's whose function is on its stack. Objects made
// by goroutines that no checked test started and that run no test's code
// (a worker started in TestMain or init) are judged by VerifyTestMain
// only. The package documentation has the whole rule.
//
// Objects are judged after the test's goroutines have ended (each gets
// about half a second, as with goleak), and after a garbage collection:
// none if every object of the test is freed already, one more only while
// survivors remain (a sync.Pool, a finalizer that holds an object).
//
// Calling Check twice in one test fails it, as does a call that would
// judge nothing, with what to write instead: Check deferred (directly or
// by a deferred function), called in a t.Cleanup function, on a goroutine
// other than the test's, or given a test's t inside one of its subtests.
func Check(t TestingT, opts ...Option) {
	if t == nil {
		panic("leakcheck: Check(nil): pass the test's *testing.T")
	}
	t.Helper()
	var path []uintptr // Check's caller and up, for what it tells of the call
	if _, fromTesting := t.(testing.TB); fromTesting {
		path = callPath(0)
		if wrong := misuse(t, path); wrong != "" {
			t.Errorf("leakcheck: %s", wrong)
			return
		}
	}
	cfg := buildConfig(opts)
	if _, dup := checked.LoadOrStore(t, struct{}{}); dup {
		t.Errorf("leakcheck: Check called twice in %s: call it once, at the top of the test", t.Name())
		return
	}
	_, fromTesting := t.(testing.TB)
	if tt, ok := t.(*testing.T); ok && cfg.within == nil {
		var suite *testing.T
		if cfg.within, suite = withinTestify(tt, path); suite != nil {
			suite.Helper() // its failures point at this call's caller
		}
	}
	s := &scope{Owner: owner.Owner{Name: t.Name(), Ambient: !fromTesting}, cfg: cfg, unknownNames: unknownNames(cfg)}
	if fromTesting {
		s.Function, s.Goroutine = owner.TestFunction(1), goroutines.Current().ID
		if s.fuzz = watchFuzzing(t); s.fuzz != nil {
			s.Tracked = func(serial uint64) any { return s.fuzz.look(s, serial) }
		}
	}
	if a, ok := t.(interface{ ArtifactDir() string }); ok {
		s.artifactDir = a.ArtifactDir
	}
	installObserver()
	begin(s)
	t.Cleanup(func() {
		// Helpers all the way: package testing then reports failures at
		// the line of the test that called Check.
		t.Helper()
		defer checked.Delete(t)
		if panicking() {
			end(s) // the panic is the test's failure: no report on top of it
			return
		}
		releaseRanCleanups(t)
		verdict(t, s)
	})
}

func verdict(t TestingT, s *scope) {
	t.Helper()
	s.judged = true
	defer end(s)
	failed := t.Failed()
	// A misspelt name fails the test even if it failed already: that it
	// would pass is not for the test to tell.
	for _, msg := range s.unknownNames {
		t.Errorf("%s", msg)
	}
	if failed && !s.cfg.evenIfFailed {
		return // see EvenIfFailed
	}
	// The test's goroutines first: they may still hold or make objects,
	// whether or not they are reported.
	var left []goroutines.Group
	if s.Num != 0 {
		left = waitForGoroutines(s)
	}
	var rep *Report
	var err error
	if s.cfg.within != nil {
		rep, err = handOver(s)
	} else {
		rep, err = judge(s)
	}
	var notJudged errNotJudged
	switch {
	case errors.As(err, &notJudged):
		// Not a failure again for a cause that failed a verdict already,
		// but never a silent pass either: said without -v too. The
		// goroutines are judged all the same: they need no cleanup.
		t.Logf("%v", err)
		fmt.Fprintf(stderr, "%v\n", err)
		if !s.cfg.goroutines || s.Num == 0 || len(left) == 0 {
			return
		}
		rep = &Report{Scope: s.Name, Notes: []string{"objects were not judged: " + notJudged.Error()}}
	case err != nil:
		t.Errorf("%v", err)
		return
	}
	if s.cfg.goroutines && s.Num != 0 {
		if len(left) > 0 {
			left = stillRunning(s) // some may have ended while settling
		}
		rep.Goroutines = describe(s, left)
		rep.GoroutineCheck = "checked those the test started"
	}
	if !rep.Leaked() {
		return
	}
	reg.MarkReported(rep.leaked)
	if path := writeArtifact(t, rep); path != "" {
		t.Errorf("%s\nJSON report: %s", rep, path)
		return
	}
	t.Errorf("%s", rep)
}

// writeArtifact writes the JSON report to the test's artifact directory
// when go test runs with -artifacts, which keeps it for CI.
func writeArtifact(t TestingT, rep *Report) string {
	t.Helper()
	at, ok := t.(interface{ ArtifactDir() string })
	if !ok || !artifactsKept() {
		return ""
	}
	path := filepath.Join(at.ArtifactDir(), "leakcheck-report.json")
	f, err := os.Create(path)
	if err != nil {
		t.Logf("leakcheck: cannot write the JSON report: %v", err)
		return ""
	}
	defer f.Close()
	if err := rep.WriteJSON(f); err != nil {
		t.Logf("leakcheck: cannot write the JSON report: %v", err)
		return ""
	}
	return path
}

// handOver is the verdict on the objects of a test Within a framework:
// after one collection, survivors wait for the framework's Judge, with no
// grace spent on them now (a container variable lets go of its object at
// the next spec, not within a grace). The report it returns has no
// leaks: only what Check itself reports.
func handOver(s *scope) (*Report, error) {
	rep := &Report{Scope: s.Name, GoroutineCheck: "off"}
	// One collection: what it does not free waits, and Judge brings the
	// collector to a fixed point then, once for every test.
	res := settle.Once(s.cfg.budget, s.Live)
	rep.Settled = Settling{Rounds: res.Rounds, Waited: res.Waited, CleanupsRun: res.Ran}
	if res.StillBlocked() {
		return nil, errNotJudged{fmt.Errorf("leakcheck: %s was not judged: %w; the verdict that found it failed", s.Name, res.Err())}
	}
	if err := res.Err(); err != nil {
		return rep, fmt.Errorf("leakcheck: cannot judge %s: the garbage collector did not settle: %w", s.Name, err)
	}
	if s.Live() > 0 {
		s.cfg.within.wait(s)
	}
	return rep, nil
}
