package leakcheck_test

// The golden test of goroutine reports: as in golden_test.go, the report
// names lines of this file, which should move only when these tests
// change.

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/leakcheck"
)

// The goroutine reports: a leaked goroutine says it has started, then
// waits for release.
func blockOn(started *sync.WaitGroup, release <-chan struct{}) {
	started.Done()
	<-release
}

// Ten thousand goroutines blocked on one channel make one entry of a few
// lines that still says how many they are. They are released when the
// test ends: nothing leaks from the test binary.
func TestCheckReportsTenThousandGoroutinesInAFewLines(t *testing.T) {
	const n = 10000
	ft := newFakeT("TestGoroutines")
	leakcheck.Check(ft)
	leakGoroutines(t, n)
	ft.finish()
	require.True(t, ft.Failed(), "leaked goroutines must fail the test")
	text := ft.errorText()
	assert.Contains(t, text, "\n10000 goroutines still running:\n")
	assert.Regexp(t, `\n  10000 goroutines \[chan receive\], ids \d+, \d+, \d+, \d+, \d+ and 9995 more:\n`, text)
	assert.Regexp(t, `created by leakcheck_test.leakGoroutines \(leakcheck/goroutinereport_test.go:\d+\) in goroutine \d+\n`, text)
	lines := strings.Count(text, "\n") + 1
	assert.LessOrEqual(t, lines, 12, text)
	assert.LessOrEqual(t, len(text), 1024, text)
	t.Logf("10000 goroutines: %d lines, %d bytes", lines, len(text))
	golden.Assert(t, "leakcheck/goroutines_report.golden", []byte(normalize(text)))
}
