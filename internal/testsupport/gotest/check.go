package gotest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Check collects what is wrong with one run of a program, for CheckEach.
type Check struct {
	t      TestingT
	run    Result
	failed bool
}

// Errorf reports that the run is wrong, and says which run it is.
func (c *Check) Errorf(format string, args ...any) {
	c.t.Helper()
	c.failed = true
	c.t.Errorf("%s: %s", c.run.Command(), fmt.Sprintf(format, args...))
}

// ExitCode reports a run whose exit code is not want.
func (c *Check) ExitCode(want int) {
	c.t.Helper()
	if c.run.Code != want {
		c.Errorf("exit code %d, want %d", c.run.Code, want)
	}
}

// Match reports each of the regular expressions patterns that text does
// not match, with the end of text; what says whose text it is ("the
// output of TestX").
func (c *Check) Match(what, text string, patterns ...string) {
	c.t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(text) {
			c.Errorf("%s does not match %q:\n%s", what, p, Quote(Tail(text, 4000)))
		}
	}
}

// Absent reports each of the strings absent that text contains, with the
// line where it first stands; what says whose text it is.
func (c *Check) Absent(what, text string, absent ...string) {
	c.t.Helper()
	for _, a := range absent {
		i := strings.Index(text, a)
		if i < 0 {
			continue
		}
		start := strings.LastIndexByte(text[:i], '\n') + 1
		end := len(text)
		if n := strings.IndexByte(text[i:], '\n'); n >= 0 {
			end = i + n
		}
		c.Errorf("%s contains %q:\n%s", what, a, Quote(text[start:end]))
	}
}

// CheckEach checks runs in turn with check, which reports what is wrong
// with runs[i] through c, and stops after the first run found wrong,
// logging the end of its standard output and standard error: one run's
// failures are enough to read. It logs first how many runs there are and
// how long the longest took.
func CheckEach(t TestingT, runs []Result, check func(c *Check, i int)) {
	t.Helper()
	var longest time.Duration
	for _, r := range runs {
		longest = max(longest, r.Duration)
	}
	t.Logf("%d runs, the longest took %v", len(runs), longest.Round(time.Millisecond))
	for i, r := range runs {
		c := &Check{t: t, run: r}
		check(c, i)
		if c.failed {
			t.Logf("standard output:\n%s\nstandard error:\n%s", Quote(Tail(r.Stdout, 20000)), Quote(Tail(r.Stderr, 20000)))
			return
		}
	}
}

// Quote marks each line of a fixture's output, so that its "--- FAIL"
// lines are not read as the failures of the test that shows them.
func Quote(s string) string {
	return "| " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n| ")
}

// Tail returns the last n bytes of s, after a line "..." if that leaves
// some out.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}
