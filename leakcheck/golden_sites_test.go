package leakcheck_test

// The golden test of a long creation site: as in golden_test.go, the
// report names lines of this file, which should move only when this test
// changes.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/leakcheck/testdata/deeplib"
)

// An object made ten calls deep in a library shows the line of the test
// that led there, after the frames that the cut hides, and counts what
// comes after it.
func TestCheckReportsTheTestsLineOfADeepCreationSite(t *testing.T) {
	ft := newFakeT("TestDeep")
	leakcheck.Check(ft, leakcheck.WithoutGoroutines(), leakcheck.WithoutPaths())
	defer deeplib.Drop()
	queryFor("10.0.0.3")
	ft.finish()
	require.True(t, ft.Failed(), "a leak must fail the test")
	text := ft.errorText()
	assert.Regexp(t, `(?m)^      deeplib.open \(deeplib/deeplib.go:\d+\)\n      \.\.\. 4 more frames\n      leakcheck_test.queryFor \(leakcheck/golden_sites_test.go:\d+\)\n      \.\.\. 1 more frame\n`, text)
	golden.Assert(t, "leakcheck/deep_site_report.golden", []byte(normalize(text)))
}

// queryFor is the test's own code that calls into the library.
//
//go:noinline
func queryFor(addr string) *deeplib.Conn { return deeplib.Query(addr) }
