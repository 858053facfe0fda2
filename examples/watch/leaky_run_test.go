//go:build !leaky

package watch

import (
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/gotest"
)

// The leaky test, built with -tags leaky, must fail with leakcheck's
// report of the job's context, and TestJobsEnded must pass.
func TestLeakyJobIsReported(t *testing.T) {
	code, text := gotest.Run(t, "-tags", "leaky", "-count=1", "-v", ".")
	if code != 1 {
		t.Fatalf("go test -tags leaky: want exit code 1, got %d\n%s", code, text)
	}
	for _, want := range []string{
		"--- PASS: TestJobsEnded",
		"--- FAIL: TestJobNeverEnded",
		"leakcheck: 1 tracked object outlived TestJobNeverEnded (1 type)",
		"context.cancelCtx: 1 live",
		"watch.(*Worker).Job (watch/watch.go:",
		"watch.TestJobNeverEnded (watch/leaky_test.go:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q:\n%s", want, text)
		}
	}
}
