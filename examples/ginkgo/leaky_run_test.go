//go:build !leaky

package pool

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// The leaky spec, built with -tags leaky, must fail with leakcheck's
// report, and only it.
func TestLeakySpecFails(t *testing.T) {
	out, err := exec.Command("go", "test", "-tags", "leaky", "-count=1", ".", "-ginkgo.no-color", "-ginkgo.label-filter=leaky").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("want exit code 1, got %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"[FAIL] TOP-LEVEL [DeferCleanup (Each)] a leaky caller forgets to Put a connection back",
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
