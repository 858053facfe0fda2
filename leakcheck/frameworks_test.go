package leakcheck_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/gotest"
)

// The framework fixtures are test suites under testdata/frameworks, one
// package per case, that pin leakcheck's verdicts inside what users
// combine it with: testing/synctest bubbles, testify suites, contexts
// canceled with the test (t.Context), and trackable.Watch on values of
// the standard library. TestFrameworks builds each one once with -race
// and runs its binary as each of its runs says: many times in one
// process (-test.count), or in many processes.
//
// A test's name says what it must do, judged by the last element of its
// name without the "Test" prefix: Leak... must fail every time, with a
// leakcheck report that names it; Clean... must pass every time. A test
// that fails must be a Leak... test or the parent of one (package testing
// fails the parent of a failed subtest): a test is never blamed for
// another's leak. Each run also says what the output of a test must
// contain.
type frameworkCase struct {
	pkg  string
	runs []frameworkRun
}

type frameworkRun struct {
	name  string
	run   string // -test.run
	count int    // -test.count
	procs int    // processes, 1 if 0
	args  []string
	exit  int // the exit code of every process
	// tests maps a test to regular expressions that its output must
	// match, in every process.
	tests map[string][]string
	// within bounds the time that each process may take, and testWithin
	// the time of each test, if set.
	within, testWithin time.Duration
}

// outlivedTest matches the headline of a report that n tracked objects
// outlived a test.
func outlivedTest(n int, test string) string {
	return fmt.Sprintf(`(?m)leakcheck: %d tracked objects? outlived %s \(`, n, regexp.QuoteMeta(test))
}

var frameworkCases = []frameworkCase{
	{pkg: "synctest", runs: []frameworkRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
		within: time.Minute, testWithin: 10 * time.Second,
	}, {
		name: "leak", run: "^TestLeak", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakWorkerInBubble": {outlivedTest(1, "TestLeakWorkerInBubble"), `synctest\.Conn: 1 live`, `"kept by the bubble's worker"`},
		},
	}}},

	{pkg: "testifysuite", runs: []frameworkRun{{
		name: "parallel suites", run: "^TestParallel", count: 20, args: []string{"-test.parallel=4"}, exit: 1,
		tests: map[string][]string{
			"TestParallelSuiteA/TestLeaks": {outlivedTest(1, "TestParallelSuiteA/TestLeaks"), `testifysuite\.Conn: 1 live`, `"kept by SuiteA.TestLeaks"`},
		},
	}, {
		name: "sequential suites", run: "^TestSequential", count: 20, exit: 1,
		tests: map[string][]string{
			"TestSequentialSuiteA/TestLeaks": {outlivedTest(1, "TestSequentialSuiteA/TestLeaks"), `testifysuite\.Conn: 1 live`, `"kept by SuiteA.TestLeaks"`},
		},
	}}},

	{pkg: "contextcancel", runs: []frameworkRun{{
		name: "clean under load", run: "^TestClean", count: 20, args: []string{"-test.parallel=8", "-test.cpu=1,2"}, exit: 0,
	}, {
		name: "a worker that never exits", count: 1, procs: 20, args: []string{"-test.parallel=8"}, exit: 1,
		tests: map[string][]string{
			"TestLeakWorkerNeverExits": {
				outlivedTest(5, "TestLeakWorkerNeverExits"), `contextcancel\.Conn: 5 live`,
				`(?s)5 goroutines still running:.*contextcancel\.worker`,
			},
		},
	}}},

	{pkg: "watch", runs: []frameworkRun{{
		name: "WithCancel", run: "ContextWithCancel", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakContextWithCancelCancelForgotten": {outlivedTest(1, "TestLeakContextWithCancelCancelForgotten"), `(?m)^\s*context\.cancelCtx: 1 live`},
		},
	}, {
		// Apart: the forgotten twins leave timers pending, and while a
		// processor has many pending timers the runtime keeps a stopped
		// one (and the context its function holds) until its deadline.
		name: "WithTimeout canceled", run: "TestCleanContextWithTimeout", count: 20, exit: 0,
	}, {
		name: "WithTimeout forgotten", run: "TestLeakContextWithTimeout", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakContextWithTimeoutCancelForgotten": {outlivedTest(1, "TestLeakContextWithTimeoutCancelForgotten"), `(?m)^\s*context\.timerCtx: 1 live`},
		},
	}, {
		name: "responses", run: "Response", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakResponseBodyNeverClosed": {`(?s)2 goroutines still running:.*http\.\(\*persistConn\)\.readLoop`},
		},
	}}},
}

// frameworkResults is what the binary of one case did.
type frameworkResults struct {
	err  error
	all  []string          // the binary's top-level tests
	runs [][]frameworkProc // by run, by process
}

type frameworkProc struct {
	args []string
	gotest.Result
}

func TestFrameworks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every fixture under testdata/frameworks")
	}
	bins := t.TempDir()
	slots := make(chan struct{}, 2*max(2, runtime.NumCPU()))
	results := make([]chan frameworkResults, len(frameworkCases))
	for i, c := range frameworkCases {
		results[i] = make(chan frameworkResults, 1)
		go func() { results[i] <- c.execute(bins, slots) }()
	}
	for i, c := range frameworkCases {
		res := <-results[i]
		t.Run(c.pkg, func(t *testing.T) {
			if res.err != nil {
				t.Fatal(res.err)
			}
			for j, r := range c.runs {
				t.Run(r.name, func(t *testing.T) {
					var longest time.Duration
					for _, p := range res.runs[j] {
						longest = max(longest, p.Duration)
					}
					t.Logf("%d processes, the longest took %v", len(res.runs[j]), longest.Round(time.Millisecond))
					for _, p := range res.runs[j] {
						// One process's failures are enough to read.
						if !r.judge(t, res.all, p) {
							return
						}
					}
				})
			}
		})
	}
}

// execute builds the fixture binary of c and runs it as c's runs say.
func (c frameworkCase) execute(bins string, slots chan struct{}) frameworkResults {
	dir, err := filepath.Abs(filepath.Join("testdata", "frameworks", c.pkg))
	if err != nil {
		return frameworkResults{err: err}
	}
	bin := filepath.Join(bins, c.pkg+".test")
	if err := gotest.Build(bin, "-race", "./testdata/frameworks/"+c.pkg); err != nil {
		return frameworkResults{err: err}
	}
	res := frameworkResults{runs: make([][]frameworkProc, len(c.runs))}
	list, err := gotest.Exec(time.Minute, dir, bin, "-test.list", ".")
	if err == nil && list.Code != 0 {
		err = fmt.Errorf("-test.list: exit code %d\n%s%s", list.Code, list.Stdout, list.Stderr)
	}
	if err != nil {
		return frameworkResults{err: err}
	}
	for _, line := range strings.Split(list.Stdout, "\n") {
		if strings.HasPrefix(line, "Test") {
			res.all = append(res.all, line)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for j, r := range c.runs {
		res.runs[j] = make([]frameworkProc, max(r.procs, 1))
		for i := range res.runs[j] {
			args := r.flags()
			wg.Go(func() {
				slots <- struct{}{}
				defer func() { <-slots }()
				out, err := gotest.Exec(3*time.Minute, dir, bin, args...)
				res.runs[j][i] = frameworkProc{args, out}
				if err != nil {
					select {
					case errs <- fmt.Errorf("%w\n%s%s", err, out.Stdout, out.Stderr):
					default:
					}
				}
			})
		}
	}
	wg.Wait()
	select {
	case res.err = <-errs:
	default:
	}
	return res
}

// times returns how many times each test runs in one process: -test.count
// times for each -test.cpu setting.
func (r frameworkRun) times() int {
	cpus := 1
	for _, a := range r.args {
		if list, ok := strings.CutPrefix(a, "-test.cpu="); ok {
			cpus = len(strings.Split(list, ","))
		}
	}
	return r.count * cpus
}

func (r frameworkRun) flags() []string {
	flags := []string{"-test.v", fmt.Sprintf("-test.count=%d", r.count), "-test.timeout=2m"}
	if r.run != "" {
		flags = append(flags, "-test.run="+r.run)
	}
	return append(flags, r.args...)
}

// judge checks one process and reports whether it was as expected.
func (r frameworkRun) judge(t *testing.T, all []string, p frameworkProc) bool {
	t.Helper()
	ok := true
	fail := func(format string, a ...any) {
		ok = false
		t.Errorf("%s %s: %s", r.name, strings.Join(p.args, " "), fmt.Sprintf(format, a...))
	}
	if p.Code != r.exit {
		fail("exit code %d, want %d", p.Code, r.exit)
	}
	if r.within > 0 && p.Duration > r.within {
		fail("took %v, want at most %v", p.Duration.Round(time.Millisecond), r.within)
	}
	tests := frameworkOutcomes(p.Stdout)
	times := r.times()
	ran := 0
	for _, name := range all {
		if r.run != "" && !regexp.MustCompile(r.run).MatchString(name) {
			continue
		}
		ran++
		if o := tests[name]; o == nil || o.passed+o.failed != times {
			fail("%s ran to the end %d times, want %d", name, o.runs(), times)
		}
	}
	if ran == 0 {
		fail("-test.run %q leaves no test", r.run)
	}
	names := slices.Sorted(maps.Keys(tests))
	leaks := func(name string) bool {
		last := name[strings.LastIndexByte(name, '/')+1:]
		return strings.HasPrefix(strings.TrimPrefix(last, "Test"), "Leak")
	}
	for _, name := range names {
		o := tests[name]
		last := strings.TrimPrefix(name[strings.LastIndexByte(name, '/')+1:], "Test")
		switch {
		case strings.HasPrefix(last, "Leak"):
			if o.failed != times || o.passed != 0 {
				fail("%s failed %d and passed %d times, want it to fail %d times:\n%s", name, o.failed, o.passed, times, frameworkQuote(o.output.String()))
				continue
			}
			re := regexp.MustCompile(`(?m)leakcheck: [^\n]*outlived ` + regexp.QuoteMeta(name) + `[ ,:(]`)
			if n := len(re.FindAllString(o.output.String(), -1)); n != times {
				fail("%s has %d leakcheck reports that name it, want %d:\n%s", name, n, times, frameworkQuote(o.output.String()))
			}
		case strings.HasPrefix(last, "Clean"):
			if o.passed != times || o.failed != 0 {
				fail("%s passed %d and failed %d times, want it to pass %d times:\n%s", name, o.passed, o.failed, times, frameworkQuote(o.output.String()))
			}
		case o.failed > 0 && !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, name+"/") && leaks(n) }):
			fail("%s failed %d times, and has no subtest that leaks:\n%s", name, o.failed, frameworkQuote(o.output.String()))
		}
		if r.testWithin > 0 && o.longest > r.testWithin {
			fail("%s took %v, want at most %v", name, o.longest, r.testWithin)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.tests)) {
		o := tests[name]
		if o == nil {
			fail("%s did not run", name)
			continue
		}
		for _, want := range r.tests[name] {
			if !regexp.MustCompile(want).MatchString(o.output.String()) {
				fail("the output of %s does not match %q:\n%s", name, want, frameworkQuote(o.output.String()))
			}
		}
	}
	if !ok {
		t.Logf("standard output:\n%s\nstandard error:\n%s", frameworkQuote(frameworkTail(p.Stdout, 20000)), frameworkQuote(frameworkTail(p.Stderr, 20000)))
	}
	return ok
}

// frameworkOutcome is what one test did in one process, over every
// -test.count round.
type frameworkOutcome struct {
	passed, failed int
	longest        time.Duration
	output         strings.Builder
}

func (o *frameworkOutcome) runs() int {
	if o == nil {
		return 0
	}
	return o.passed + o.failed
}

var frameworkFrame = regexp.MustCompile(`^(?:=== (?:RUN|PAUSE|CONT|NAME) +(\S*)|\s*--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\))`)

// frameworkOutcomes reads the output of a test binary run with -test.v:
// each test's results, and the output that belongs to it.
func frameworkOutcomes(stdout string) map[string]*frameworkOutcome {
	tests := map[string]*frameworkOutcome{}
	get := func(name string) *frameworkOutcome {
		o := tests[name]
		if o == nil {
			o = &frameworkOutcome{}
			tests[name] = o
		}
		return o
	}
	current := ""
	for _, line := range strings.SplitAfter(stdout, "\n") {
		m := frameworkFrame.FindStringSubmatch(line)
		switch {
		case m == nil:
			if current != "" {
				get(current).output.WriteString(line)
			}
		case m[2] == "":
			current = m[1]
			if current != "" {
				get(current)
			}
		default:
			current = m[3]
			o := get(current)
			switch m[2] {
			case "PASS":
				o.passed++
			case "FAIL":
				o.failed++
			}
			var secs float64
			if _, err := fmt.Sscanf(m[4], "%g", &secs); err == nil {
				o.longest = max(o.longest, time.Duration(secs*float64(time.Second)))
			}
		}
	}
	return tests
}

// frameworkQuote marks each line of a fixture's output, so that its
// "--- FAIL" lines are not read as this test's.
func frameworkQuote(s string) string {
	return "| " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n| ")
}

// frameworkTail returns the last n bytes of s.
func frameworkTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}
