package leakcheck

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
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

// checked holds the tests that called Check and have not been judged.
var checked sync.Map // TestingT -> struct{}

// Check judges one test: after the test and its subtests end, it brings
// the garbage collector to a fixed point and fails the test with a report
// if objects tracked during the test survived it, or goroutines that the
// test started are still running.
//
// Call it first in the test, before anything that registers a
// t.Cleanup: cleanups run last-in first-out, and the verdict must come
// after the test's own cleanups have released their objects.
//
//	func TestDial(t *testing.T) {
//		leakcheck.Check(t)
//		...
//	}
//
// Check works in parallel tests. An object counts against a test if the
// test's function (or a closure inside it) made it; if none did (the
// object was made on another goroutine) and this test was the only
// checked test running, it counts against this test; parallel subtests
// that share one closure are judged together by their parent if it calls
// Check. Objects that cannot be pinned on a single test are never blamed
// on one: VerifyTestMain judges them when every test is done.
//
// Check panics if it is called twice in one test.
func Check(t TestingT, opts ...Option) {
	if t == nil {
		panic("leakcheck: Check(nil): pass the test's *testing.T")
	}
	t.Helper()
	cfg := buildConfig(opts)
	if _, dup := checked.LoadOrStore(t, struct{}{}); dup {
		panic(fmt.Sprintf("leakcheck: Check called twice in %s: call it once, at the top of the test", t.Name()))
	}
	s := &scope{name: t.Name(), fn: testFunction(), cfg: cfg}
	var watch *goroutineWatch
	if cfg.goroutines {
		watch = watchGoroutines(s.fn)
	}
	reg.begin(s)
	if _, fromTesting := t.(testing.TB); !fromTesting {
		t.Cleanup(func() { verdict(t, s, watch) })
		return
	}
	t.Cleanup(func() {
		// package testing keeps every cleanup that already ran in the
		// spare capacity of its slice until the test is gone, and with it
		// the objects those closures captured. Registering the verdict
		// now, then harmless cleanups over the used slots, lets those
		// objects go before the verdict runs.
		t.Cleanup(func() { verdict(t, s, watch) })
		for range staleCleanupSlots {
			t.Cleanup(func() {})
		}
	})
}

// staleCleanupSlots bounds the cleanups a test may register after Check
// whose captured objects the verdict can see freed.
const staleCleanupSlots = 256

func verdict(t TestingT, s *scope, watch *goroutineWatch) {
	reg.end(s)
	defer checked.Delete(t)
	if t.Failed() && !s.cfg.evenIfFailed {
		t.Logf("leakcheck: %s failed already, so its leaks were not checked (leakcheck.EvenIfFailed checks anyway)", s.name)
		return
	}
	rep, err := judge(s)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if watch != nil {
		rep.Goroutines = watch.leaked()
		rep.GoroutineCheck = "checked those the test started"
	}
	if !rep.Leaked() {
		if len(rep.Unattributed) > 0 {
			t.Logf("%s", rep)
		}
		return
	}
	reg.markReported(rep.leaked)
	if path := writeArtifact(t, rep); path != "" {
		t.Errorf("%s\nJSON report: %s", rep, path)
		return
	}
	t.Errorf("%s", rep)
}

// writeArtifact writes the JSON report to the test's artifact directory
// when go test runs with -artifacts, which keeps it for CI.
func writeArtifact(t TestingT, rep *Report) string {
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

// artifactsKept reports whether go test runs with -artifacts: without it,
// the artifact directory is removed with the test, and a path to it would
// lead nowhere.
func artifactsKept() bool {
	f := flag.Lookup("test.artifacts")
	return f != nil && f.Value.String() == "true"
}

// testFunction returns the function of the test that called Check: the
// one that testing.tRunner called, or else Check's caller.
func testFunction() string {
	var pcs [64]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	var names []string
	for {
		f, more := frames.Next()
		names = append(names, f.Function)
		if !more {
			break
		}
	}
	for i := 0; i+1 < len(names); i++ {
		if names[i+1] == "testing.tRunner" {
			return names[i]
		}
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "github.com/objtrack/objtrack/leakcheck.") {
			return n
		}
	}
	return ""
}
