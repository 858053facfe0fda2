//go:build !leaky

package leaky

import (
	"regexp"
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/internal/testsupport/gotest"
)

// The leaky tests run in a subprocess: they must fail, each with the
// report of its own leak, and TestNoLeak must pass.
func TestLeakyTestsFailWithReports(t *testing.T) {
	code, text := gotest.Run(t, "-tags", "leaky", "-count=1", ".")
	if code != 1 {
		t.Fatalf("go test -tags leaky: want exit code 1, got %d\n%s", code, text)
	}
	for _, want := range []string{
		"--- FAIL: TestCachedConnections",
		"3 tracked objects outlived TestCachedConnections (1 type)",
		`bundles: "10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.3:5432"`,
		"--- FAIL: TestUnclosedStatement",
		`bundles: "SELECT * FROM users"`,
		"--- FAIL: TestWatcherGoroutine",
		"1 goroutine still running:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "--- FAIL: TestNoLeak") || strings.Contains(text, `"SELECT 1"`) {
		t.Errorf("a clean test or a closed statement was reported:\n%s", text)
	}
	golden.Assert(t, "examples/leaky.golden", []byte(normalizeRun(text)))
}

var pkgResult = regexp.MustCompile(`(?m)^FAIL\s+github.com/objtrack/objtrack/examples/leaky\s+[0-9.]+s$`)

// normalizeRun removes what changes between runs: times, serials,
// goroutine numbers.
func normalizeRun(s string) string {
	s = golden.NormalizeReport(s)
	return pkgResult.ReplaceAllString(s, "FAIL\tgithub.com/objtrack/objtrack/examples/leaky\tT")
}
