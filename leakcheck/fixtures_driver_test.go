package leakcheck_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/testsupport/gotest"
	"github.com/objtrack/objtrack/leakcheck"
)

// A fixture suite is a folder of test packages under testdata, one
// package per case, that pin leakcheck's verdicts (TestVerdicts,
// TestFrameworks). testFixtures builds each package once with -race and
// runs its binary as each of its runs says: many times in one process
// (-test.count, times each -test.cpu setting), or in many processes
// (VerifyTestMain judges once per process).
//
// A test's name says what it must do in every run that includes it,
// judged by the last element of its name (the subtest's name for a
// subtest), without the "Test" prefix and in any case:
//
//   - Leak... (TestLeakX, or a subtest leak_x) must fail every time, with
//     a leakcheck report whose headline names the test ("leakcheck: ...
//     outlived TestLeakX") once each time, unless it fails only because a
//     subtest did;
//   - Fail... must fail every time, for another reason than a leak, as
//     must the tests that a run lists as failing (a Ginkgo suite's test
//     function, which fails when a spec leaks);
//   - Clean... must pass every time;
//   - any other name is not judged by itself: its run says what the
//     process must do (exit code, what standard error says). Tests named
//     TestMainLeak... pass themselves and leave objects for
//     VerifyTestMain. Such a test may fail only as the parent of a test
//     that must fail (package testing fails the parent of a failed
//     subtest): a test is never blamed for another's leak.
//
// The suites run as parallel tests, and their processes share one pool
// (fixtureProcs): most of a fixture process's time is a verdict waiting
// out its grace, which leaves the processors to the others. A run whose
// tests leak in every round waits the grace each time, so its twenty
// rounds are four processes of five (count: 5, procs: 4) where nothing
// depends on the rounds sharing a process. That is under make test-long,
// which CI runs; make test runs each in one process of at most two
// rounds (fixtureSuite.rounds).
//
// Every top-level test that -test.run and -test.skip leave must run to
// the end (pass or fail) each time, in every process. Each run also says
// what the output of a test must contain when it fails (the type that
// leaked, the goroutine that is still running), what the whole output
// must or must not contain, and how long a process and each of its tests
// may take.
type fixtureSuite struct {
	dir   string // the folder under testdata
	cases []fixtureCase
	// timeout is each process's -test.timeout (it is killed a minute
	// later).
	timeout time.Duration
}

type fixtureCase struct {
	pkg string
	// tags builds the package with build tags, as its files say: the
	// same tests under another harness (objtrack_fixture_testmain adds a
	// TestMain that calls VerifyTestMain), judged as a case of its own.
	tags string
	// paths keeps retention paths on in the fixture's verdicts, for the
	// cases whose reports must name what holds a survivor. They are off
	// otherwise (leakcheck.PathsEnv): the paths suite pins them, and a
	// heap dump for every leak of every run would cost more than the
	// verdicts themselves.
	paths bool
	runs  []fixtureRun
}

type fixtureRun struct {
	name  string
	run   string // -test.run, if any
	skip  string // -test.skip, if any
	count int    // -test.count
	procs int    // processes, 1 if 0
	// args are more flags for the test binary; perProcess, if set, adds
	// flags for the i-th process (from 1), such as a shuffle seed.
	args       []string
	perProcess func(i int) []string
	env        []string // more environment variables, KEY=value
	exit       int      // the exit code of every process
	// failing are more tests that must fail every time, though their
	// names do not say so.
	failing []string

	// tests maps a test to regular expressions that its output must
	// match, in every process.
	tests map[string][]string
	// stderr and output are regular expressions that the standard error,
	// or the whole output, of every process must match.
	stderr, output []string
	// absent are strings that no output may contain.
	absent []string
	// within bounds the time that each process may take, and testWithin
	// the time of each round of each test, if set.
	within, testWithin time.Duration
}

// outlived matches the headline of a report that n tracked objects
// outlived a test.
func outlived(n int, test string) string {
	return fmt.Sprintf(`(?m)leakcheck: %d tracked objects? outlived %s \(`, n, regexp.QuoteMeta(test))
}

// name is the case's package, and its build tags if any.
func (c fixtureCase) name() string {
	if c.tags == "" {
		return c.pkg
	}
	return c.pkg + "+" + c.tags
}

// fixtureBuilds lets a few fixture binaries build at a time, and
// fixtureProcs a few fixture processes run at a time for each processor,
// across every suite.
var (
	fixtureBuilds = gotest.NewPool(1)
	fixtureProcs  = gotest.NewPool(6)
)

// fixtureResults is what the binary of one case did.
type fixtureResults struct {
	err  error             // the build or a process failed to run
	all  []string          // the binary's top-level tests
	runs [][]gotest.Result // by run, by process
}

// testFixtures builds and runs every case of s at once, beside the other
// suites, then judges them in order.
func testFixtures(t *testing.T, s fixtureSuite) {
	if testing.Short() {
		t.Skipf("builds and runs every fixture under testdata/%s", s.dir)
	}
	t.Parallel()
	s = s.rounds()
	bins := t.TempDir()
	results := gotest.Start(len(s.cases), func(i int) fixtureResults {
		return s.execute(s.cases[i], bins)
	})
	for i, c := range s.cases {
		res := results(i)
		t.Run(c.name(), func(t *testing.T) {
			if res.err != nil {
				t.Fatal(res.err)
			}
			for j, r := range c.runs {
				t.Run(r.name, func(t *testing.T) {
					wanted := r.wanted(res.all)
					if len(wanted) == 0 {
						t.Fatalf("-test.run %q -test.skip %q leave no test", r.run, r.skip)
					}
					gotest.CheckEach(t, res.runs[j], func(check *gotest.Check, k int) {
						r.judge(check, wanted, res.runs[j][k])
					})
				})
			}
		})
	}
}

// rounds returns s with the runs that gotest.Rounds allows: every
// process and round of each run under make test-long, and one process of
// at most two rounds under make test.
func (s fixtureSuite) rounds() fixtureSuite {
	cases := slices.Clone(s.cases)
	for i, c := range cases {
		c.runs = slices.Clone(c.runs)
		for j := range c.runs {
			r := &c.runs[j]
			r.procs = gotest.Rounds(max(r.procs, 1), 1)
			r.count = gotest.Rounds(r.count, 2)
		}
		cases[i] = c
	}
	s.cases = cases
	return s
}

// execute builds the fixture binary of c, lists its tests and runs it as
// c's runs say.
func (s fixtureSuite) execute(c fixtureCase, bins string) fixtureResults {
	dir, err := filepath.Abs(filepath.Join("testdata", s.dir, c.pkg))
	if err != nil {
		return fixtureResults{err: err}
	}
	bin := filepath.Join(bins, c.name()+".test")
	fixtureBuilds.Do(func() {
		args := []string{"-race"}
		if c.tags != "" {
			args = append(args, "-tags="+c.tags)
		}
		if c.paths {
			// With its own symbol table, so that each process that
			// names holders does not rebuild the binary for one: the
			// paths suite pins the rebuild under plain go test.
			args = append(args, "-ldflags=-s=false")
		}
		err = gotest.Build(bin, append(args, "./testdata/"+s.dir+"/"+c.pkg)...)
	})
	if err != nil {
		return fixtureResults{err: err}
	}
	all, err := gotest.List(dir, bin)
	if err != nil {
		return fixtureResults{err: err}
	}
	var cmds []gotest.Cmd
	for _, r := range c.runs {
		for i := range max(r.procs, 1) {
			cmd := gotest.Cmd{Dir: dir, Prog: bin, Args: r.flags(i+1, s.timeout), Env: r.env}
			if !c.paths {
				cmd.Env = append(cmd.Env, leakcheck.PathsEnv+"=off")
			}
			cmds = append(cmds, cmd)
		}
	}
	out, err := fixtureProcs.ExecAll(s.timeout+time.Minute, cmds)
	res := fixtureResults{err: err, all: all}
	for _, r := range c.runs {
		n := max(r.procs, 1)
		res.runs = append(res.runs, out[:n])
		out = out[n:]
	}
	return res
}

// flags returns the flags of the i-th process of r, from 1.
func (r fixtureRun) flags(i int, timeout time.Duration) []string {
	flags := []string{"-test.v", fmt.Sprintf("-test.count=%d", r.count), fmt.Sprintf("-test.timeout=%v", timeout)}
	if r.run != "" {
		flags = append(flags, "-test.run="+r.run)
	}
	if r.skip != "" {
		flags = append(flags, "-test.skip="+r.skip)
	}
	flags = append(flags, r.args...)
	if r.perProcess != nil {
		flags = append(flags, r.perProcess(i)...)
	}
	return flags
}

// times returns how many times each test runs in one process: -test.count
// times for each -test.cpu setting.
func (r fixtureRun) times() int {
	cpus := 1
	for _, a := range r.args {
		if list, ok := strings.CutPrefix(a, "-test.cpu="); ok {
			cpus = len(strings.Split(list, ","))
		}
	}
	return r.count * cpus
}

// wanted returns the top-level tests that -test.run and -test.skip leave.
func (r fixtureRun) wanted(all []string) []string {
	var wanted []string
	for _, name := range all {
		if (r.run == "" || regexp.MustCompile(r.run).MatchString(name)) &&
			(r.skip == "" || !regexp.MustCompile(r.skip).MatchString(name)) {
			wanted = append(wanted, name)
		}
	}
	return wanted
}

// judge checks one process of r.
func (r fixtureRun) judge(c *gotest.Check, wanted []string, p gotest.Result) {
	c.ExitCode(r.exit)
	if r.within > 0 && p.Duration > r.within {
		c.Errorf("took %v, want at most %v", p.Duration.Round(time.Millisecond), r.within)
	}
	times := r.times()
	outcomes := gotest.Outcomes(p.Stdout)
	for _, name := range wanted {
		if o := outcomes[name]; o.Passed+o.Failed != times || o.Skipped != 0 {
			c.Errorf("%s ran to the end %d times and skipped %d, want %d runs to the end", name, o.Passed+o.Failed, o.Skipped, times)
		}
	}
	names := slices.Sorted(maps.Keys(outcomes))
	for _, name := range names {
		o := outcomes[name]
		output := gotest.Quote(gotest.Tail(o.Output, 4000))
		// subtest reports whether name has a subtest for which f is true.
		subtest := func(f func(n string) bool) bool {
			return slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, name+"/") && f(n) })
		}
		switch r.verdictOf(name) {
		case mustLeak, mustFail:
			if o.Failed != times || o.Passed != 0 {
				c.Errorf("%s failed %d and passed %d times, want it to fail %d times:\n%s", name, o.Failed, o.Passed, times, output)
				break
			}
			if r.verdictOf(name) == mustLeak && !subtest(func(string) bool { return true }) {
				headline := regexp.MustCompile(`(?m)leakcheck: [^\n]*outlived ` + regexp.QuoteMeta(name) + `(?:[ ,:(]|$)`)
				if n := len(headline.FindAllString(o.Output, -1)); n != times {
					c.Errorf("%s has %d leakcheck reports that name it, want %d:\n%s", name, n, times, output)
				}
			}
		case mustPass:
			if o.Passed != times || o.Failed != 0 {
				c.Errorf("%s passed %d and failed %d times, want it to pass %d times:\n%s", name, o.Passed, o.Failed, times, output)
			}
		default:
			if o.Failed > 0 && !subtest(func(n string) bool { return r.verdictOf(n) == mustLeak || r.verdictOf(n) == mustFail }) {
				c.Errorf("%s failed %d times, and has no subtest that must fail:\n%s", name, o.Failed, output)
			}
		}
		if r.testWithin > 0 && o.Longest > r.testWithin {
			c.Errorf("%s took %v, want at most %v", name, o.Longest, r.testWithin)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.tests)) {
		if _, ran := outcomes[name]; !ran {
			c.Errorf("%s did not run", name)
			continue
		}
		c.Match("the output of "+name, outcomes[name].Output, r.tests[name]...)
	}
	c.Match("standard error", p.Stderr, r.stderr...)
	c.Match("the output", p.Stdout+p.Stderr, r.output...)
	c.Absent("the output", p.Stdout+p.Stderr, r.absent...)
}

type expected int

const (
	notJudged expected = iota
	mustLeak
	mustFail
	mustPass
)

// verdictOf reads a test's expected verdict from its name, or from
// r.failing.
func (r fixtureRun) verdictOf(name string) expected {
	if slices.Contains(r.failing, name) {
		return mustFail
	}
	last := name[strings.LastIndexByte(name, '/')+1:]
	last = strings.ToLower(strings.TrimPrefix(last, "Test"))
	switch {
	case strings.HasPrefix(last, "leak"):
		return mustLeak
	case strings.HasPrefix(last, "fail"):
		return mustFail
	case strings.HasPrefix(last, "clean"):
		return mustPass
	}
	return notJudged
}

// The runs of a suite are as written under make test-long, and one
// process of at most two rounds under make test; the suite's own table
// is left as it is.
func TestFixtureRounds(t *testing.T) {
	s := fixtureSuite{dir: "d", cases: []fixtureCase{{pkg: "p", runs: []fixtureRun{
		{name: "many processes", count: 1, procs: 20},
		{name: "many rounds", count: 20},
		{name: "both", count: 5, procs: 4},
	}}}}
	t.Setenv(gotest.LongEnv, "1")
	if got := s.rounds(); !slices.EqualFunc(got.cases[0].runs, s.cases[0].runs, sameRounds) {
		t.Errorf("long runs changed the runs: %+v", got.cases[0].runs)
	}
	t.Setenv(gotest.LongEnv, "")
	got := s.rounds().cases[0].runs
	want := []fixtureRun{{count: 1, procs: 1}, {count: 2, procs: 1}, {count: 2, procs: 1}}
	if !slices.EqualFunc(got, want, sameRounds) {
		t.Errorf("short runs: %+v, want the counts and processes of %+v", got, want)
	}
	if r := s.cases[0].runs[2]; r.count != 5 || r.procs != 4 {
		t.Errorf("the suite's own run changed: %+v", r)
	}
}

func sameRounds(a, b fixtureRun) bool {
	return a.count == b.count && max(a.procs, 1) == max(b.procs, 1)
}
