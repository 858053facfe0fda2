// Package gotest runs go test on a fixture package in a subprocess, for
// the tests that must watch a test suite fail: suites that leak on
// purpose, whose failure would otherwise fail the build.
package gotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
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

// Build compiles the test binary of one package with go test -c into the
// file out, passing args (build flags and the package), so that the
// binary can run many times without go test in between (see Exec). Its
// error includes the compiler's output.
func Build(out string, args ...string) error {
	args = append([]string{"test", "-c", "-o", out}, args...)
	if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("go %v: %v\n%s", args, err, b)
	}
	return nil
}

// Result is what one run of a test binary did.
type Result struct {
	Code     int // the exit code
	Stdout   string
	Stderr   string
	Duration time.Duration
}

// Exec runs a test binary made by Build with args, in the directory dir
// (go test runs a test binary in its package's directory), and kills it
// after timeout. A test binary that exits with a code other than 0 is no
// error; one that could not run, or was killed, is.
func Exec(timeout time.Duration, dir, bin string, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case ctx.Err() != nil:
		return res, fmt.Errorf("%s %v: killed after %v", bin, args, timeout)
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
		return res, nil
	}
	return res, fmt.Errorf("%s %v: %v", bin, args, err)
}
