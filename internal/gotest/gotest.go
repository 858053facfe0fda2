// Package gotest runs go test on a fixture package in a subprocess, for
// the tests that must watch a test suite fail: suites that leak on
// purpose, whose failure would otherwise fail the build.
package gotest

import (
	"errors"
	"os/exec"
)

// TestingT is the part of testing.T that Run uses.
type TestingT interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Run runs go test with args and returns its exit code and combined
// output. It fails the test if go test could not run at all.
func Run(t TestingT, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command("go", append([]string{"test"}, args...)...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("go test %v: %v\n%s", args, err, out)
	return 0, ""
}
