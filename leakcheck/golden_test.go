package leakcheck_test

// The tests whose reports are compared with golden files live here, apart
// from the others: the reports name lines of this file, which should move
// only when these tests change.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestCheckReportsSurvivors(t *testing.T) {
	ft := newFakeT("TestLeaky")
	leakcheck.Check(ft, leakcheck.WithoutGoroutines())
	defer dropCache()
	keep(dial("10.0.0.1"))
	keep(dial("10.0.0.2"))
	s := trackable.Track(&Session{ID: 7})
	ft.finish()
	require.True(t, ft.Failed(), "a leak must fail the test")
	text := ft.errorText()
	assert.Contains(t, text, "leakcheck: 3 tracked objects outlived TestLeaky (2 types)")
	golden.Assert(t, "leakcheck/check_report.golden", []byte(normalize(text)))
	keepAlive(s)
}

func TestVerifyTestMainFailsALeakingRun(t *testing.T) {
	defer dropCache()
	code, out := verify(t, func() int {
		keep(dial("leaked"))
		return 0
	}, leakcheck.WithoutGoroutines())
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "leakcheck: 1 tracked object outlived TestMain (1 type)")
	golden.Assert(t, "leakcheck/testmain_report.golden", []byte(normalize(out)))
}
