// Package gotest runs go test and test binaries in subprocesses, for the
// tests that must watch a test suite fail: suites that leak on purpose,
// whose failure would otherwise fail the build.
//
// A fixture driver builds a suite's test binary once (Build), runs it
// many times (Exec, or Pool.ExecAll for many runs at once), reads what
// each test did from the -test.v output (Outcomes) and reports what is
// wrong with a run next to that run's output (CheckEach).
package gotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// TestingT is the part of testing.T that this package uses.
type TestingT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// environ is the environment of the programs that this package runs:
// this process's, and, unless it sets GORACE, a race detector that does
// not sleep a second before it exits (its default, for other threads to
// report races): a fixture suite runs hundreds of processes. Races are
// still reported, and fail the process.
func environ() []string {
	env := os.Environ()
	if _, set := os.LookupEnv("GORACE"); !set {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return env
}

// Run runs go test with args and returns its exit code and combined
// output. It fails the test if go test could not run at all.
func Run(t TestingT, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"test"}, args...)...)
	cmd.Env = environ()
	out, err := cmd.CombinedOutput()
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
	Prog     string   // the program that ran
	Args     []string // and its arguments
	Code     int      // the exit code
	Stdout   string
	Stderr   string
	Duration time.Duration
}

// Command returns the command line of the run, with the program's base
// name: "pkg.test -test.v -test.count=20".
func (r Result) Command() string {
	return strings.Join(append([]string{filepath.Base(r.Prog)}, r.Args...), " ")
}

// Exec runs a test binary made by Build with args, in the directory dir
// (go test runs a test binary in its package's directory), and kills it
// after timeout. A test binary that exits with a code other than 0 is no
// error; one that could not run, or was killed, is.
func Exec(timeout time.Duration, dir, bin string, args ...string) (Result, error) {
	return execEnv(timeout, nil, dir, bin, args...)
}

func execEnv(timeout time.Duration, env []string, dir, bin string, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := Result{Prog: bin, Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Duration: time.Since(start)}
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

// List returns the top-level tests of a test binary made by Build, as
// -test.list prints them, running it in the directory dir.
func List(dir, bin string) ([]string, error) {
	res, err := Exec(time.Minute, dir, bin, "-test.list", ".")
	if err == nil && res.Code != 0 {
		err = fmt.Errorf("%s -test.list: exit code %d\n%s%s", bin, res.Code, res.Stdout, res.Stderr)
	}
	if err != nil {
		return nil, err
	}
	var tests []string
	for line := range strings.Lines(res.Stdout) {
		if strings.HasPrefix(line, "Test") {
			tests = append(tests, strings.TrimSpace(line))
		}
	}
	return tests, nil
}

// Cmd is one run of a program in a directory: a test binary made by
// Build, or a command that runs one.
type Cmd struct {
	Dir  string
	Prog string
	Args []string
	Env  []string // added to the environment, "NAME=value"
}

// A Pool bounds how many programs run at once, among all the goroutines
// that share it: a driver starts every run of every fixture together,
// and the pool holds them back.
type Pool struct {
	slots chan struct{}
}

// NewPool returns a Pool that runs at most perCPU programs at a time for
// each processor, counting 2 processors at the least.
func NewPool(perCPU int) *Pool {
	return &Pool{slots: make(chan struct{}, perCPU*max(2, runtime.NumCPU()))}
}

// Do calls f once p has room for it, and returns when f does.
func (p *Pool) Do(f func()) {
	p.slots <- struct{}{}
	defer func() { <-p.slots }()
	f()
}

// ExecAll runs every command of cmds at once, as many at a time as p
// allows, each as Exec runs it with timeout, and returns their results in
// the order of cmds. Its error joins those of Exec, each followed by the
// output of its run.
func (p *Pool) ExecAll(timeout time.Duration, cmds []Cmd) ([]Result, error) {
	results := make([]Result, len(cmds))
	errs := make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Go(func() {
			p.Do(func() {
				results[i], errs[i] = execEnv(timeout, c.Env, c.Dir, c.Prog, c.Args...)
			})
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%w\n%s%s", errs[i], results[i].Stdout, results[i].Stderr)
			}
		})
	}
	wg.Wait()
	return results, errors.Join(errs...)
}

// Start calls f(i) for each i from 0 to n-1, each on a goroutine of its
// own, and returns a function that waits for f(i) to return and returns
// what it did: a driver starts every fixture at once and reads their
// results in order.
func Start[T any](n int, f func(i int) T) func(i int) T {
	results := make([]T, n)
	done := make([]chan struct{}, n)
	for i := range n {
		done[i] = make(chan struct{})
		go func() {
			defer close(done[i])
			results[i] = f(i)
		}()
	}
	return func(i int) T {
		<-done[i]
		return results[i]
	}
}
