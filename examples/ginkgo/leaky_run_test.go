//go:build !leaky

package pool

import (
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/gotest"
)

// The leaky spec, built with -tags leaky, must fail with leakcheck's
// report, and only it.
func TestLeakySpecFails(t *testing.T) {
	code, text := gotest.Run(t, "-tags", "leaky", "-count=1", ".", "-ginkgo.no-color", "-ginkgo.label-filter=leaky")
	if code != 1 {
		t.Fatalf("want exit code 1, got %d\n%s", code, text)
	}
	for _, want := range []string{
		"[FAIL] TOP-LEVEL [ReportAfterEach] a leaky caller forgets to Put a connection back",
		"leakcheck: 1 tracked object outlived a leaky caller forgets to Put a connection back (1 type)",
		"github.com/objtrack/objtrack/examples/ginkgo.Conn: 1 live",
		"ginkgo.(*Pool).Get (ginkgo/pool.go:",
		`bundles: "cache:6379"`,
		"Ran 1 of 5 Specs",
		"0 Passed | 1 Failed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q:\n%s", want, text)
		}
	}
}
