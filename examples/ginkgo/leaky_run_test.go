//go:build !leaky

package pool

import (
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/gotest"
)

// The leaky spec, built with -tags leaky, must fail the suite with
// leakcheck's report, which names it, at the end of the suite.
func TestLeakySpecFails(t *testing.T) {
	code, text := gotest.Run(t, "-tags", "leaky", "-count=1", ".", "-ginkgo.no-color", "-ginkgo.label-filter=leaky")
	if code != 1 {
		t.Fatalf("want exit code 1, got %d\n%s", code, text)
	}
	for _, want := range []string{
		"[FAIL] [ReportAfterSuite] leakcheck: the specs' survivors",
		"leakcheck: 1 tracked object outlived a leaky caller forgets to Put a connection back (1 type)",
		"github.com/objtrack/objtrack/examples/ginkgo.Conn: 1 live",
		"ginkgo.(*Pool).Get (ginkgo/pool.go:",
		`bundles: "cache:6379"`,
		"Ran 1 of 5 Specs",
		"1 Passed | 0 Failed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q:\n%s", want, text)
		}
	}
}
