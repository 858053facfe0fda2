package leakcheck

import (
	"runtime"
	"strings"
	"testing"
)

// A testify suite keeps its fields between its methods: s.conn, set in
// SetupTest and closed in TearDownTest, holds the last connection until
// the next method's SetupTest replaces it, and until suite.Run returns
// after the last method. So Check, called in SetupTest with the method's
// s.T(), hands the method's survivors to a Framework of the suite's test
// (the method's parent), which judges them when that test ends: suite.Run
// has returned by then, and nothing of testify's holds anything. The
// same holds for subtests that a method runs with s.Run, and fields set
// in SetupSubTest: Check called there waits for the end of the top-level
// test that runs the suite.

// withinTestify returns the Framework that judges the survivors of t, a
// method of a testify suite, or a subtest that a method ran with s.Run,
// whose call of Check has the call path pcs (from Check's caller up),
// or nil when t is neither. A method's survivors are judged when the
// suite's test (the method's parent) ends; a subtest's (Check in
// SetupSubTest) when the top-level test that runs the suite ends, as the
// suite's fields hold the last subtest's values until suite.Run returns,
// and a subtest does not tell how deep under the suite's test it is.
//
// The failures that the judging test reports point at the line that
// called Check: package testing reports a cleanup's failure where the
// cleanup was registered, skipping the helpers of the test that fails,
// so Check and this function mark themselves as its helpers.
func withinTestify(t *testing.T, pcs []uintptr) (fw *Framework, parent *testing.T) {
	method, subtest := calledByTestify(pcs)
	if !method && !subtest {
		return nil, nil
	}
	if parent = parentTest(t); parent == nil {
		return nil, nil
	}
	if subtest {
		for p := parentTest(parent); p != nil && parentTest(p) != nil; p = parentTest(p) {
			parent = p // up to the top-level test, whose parent is testing's root
		}
	}
	parent.Helper()
	fw = NewFramework()
	if got, loaded := testifySuites.LoadOrStore(parent, fw); loaded {
		return got.(*Framework), parent
	}
	parent.Cleanup(func() {
		parent.Helper()
		defer testifySuites.Delete(parent)
		if panicking() {
			return // the panic is the test's failure: no report on top of it
		}
		fw.Judge(parent)
	})
	return fw, parent
}

// calledByTestify reports whether a call path runs a method of a testify
// suite for suite.Run, or a subtest for the suite's Run method: testify's
// innermost frame on the stack is the function that package testing runs
// as the method's, or the subtest's, test. SetupSuite and TearDownSuite,
// which suite.Run calls with the suite's own test, do not count: their
// test ends after suite.Run returns.
func calledByTestify(pcs []uintptr) (method, subtest bool) {
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "github.com/stretchr/testify/suite.") {
			caller, _ := frames.Next()
			if caller.Function != "testing.tRunner" {
				return false, false
			}
			if strings.HasPrefix(f.Function, "github.com/stretchr/testify/suite.(*Suite).Run.") {
				return false, true
			}
			return true, false
		}
		if !more {
			return false, false
		}
	}
}
