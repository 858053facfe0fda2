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

	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/gotest"
)

// The verdict fixtures are test suites under testdata/verdicts, one package
// per case, that pin what leakcheck must decide in situations where a
// wrong verdict is easy: TestVerdicts builds each one once with -race and
// runs its binary many times, in one process (-test.count) or in many
// (VerifyTestMain judges once per process).
//
// A test's name says what it must do in every run that includes it, judged
// by the last element of its name (the subtest's name for a subtest),
// without the "Test" prefix:
//
//   - Leak... (TestLeakX, or a subtest leak_x) must fail, with a leakcheck
//     report whose headline names the test ("leakcheck: ... outlived
//     TestLeakX"), unless it fails only because a subtest did;
//   - Fail... must fail, for another reason than a leak;
//   - Clean... must pass;
//   - any other name is not judged by itself: its run says what the
//     process must do (exit code, what standard error says). Tests named
//     TestMainLeak... pass themselves and leave objects for
//     VerifyTestMain.
//
// Each run also says what the output of a test must contain when it fails
// (the type that leaked, the goroutine that is still running) and what the
// whole output must or must not contain.
type verdictCase struct {
	pkg  string
	runs []verdictRun
}

type verdictRun struct {
	name  string
	run   string // -test.run, if any
	skip  string // -test.skip, if any
	count int    // -test.count
	procs int    // processes, 1 if 0
	// args are more flags for the test binary; perProcess, if set, adds
	// flags for the i-th process (from 1), such as a shuffle seed.
	args       []string
	perProcess func(i int) []string
	exit       int // the exit code of every process

	// tests maps a test to regular expressions that its output must
	// match, in every process.
	tests map[string][]string
	// stderr and output are regular expressions that the standard error,
	// or the whole output, of every process must match.
	stderr, output []string
	// absent are strings that no output may contain.
	absent []string
	// within bounds the time that each process may take.
	within time.Duration
}

// objects matches the headline of a report that n tracked objects
// outlived a test.
func objects(n int, test string) string {
	return fmt.Sprintf(`(?m)leakcheck: %d tracked objects? outlived %s(?:[ ,:(]|$)`, n, regexp.QuoteMeta(test))
}

// seed gives each process its own order of the tests: -test.shuffle with
// a seed rather than "on", so that a failure can be run again as it was,
// and the orders are the same from run to run (seeds 1 to 20 put each of
// the signal tests first several times).
func seed(i int) []string { return []string{fmt.Sprintf("-test.shuffle=%d", i)} }

var verdictCases = []verdictCase{
	{pkg: "globaltracker", runs: []verdictRun{{
		name: "in order", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakAfterSetGlobalTracker": {objects(1, "TestLeakAfterSetGlobalTracker"), `globaltracker\.Conn`},
			"TestLeakInALaterTest":          {objects(1, "TestLeakInALaterTest"), `globaltracker\.Conn`},
			"TestLeakSetTrackerInventory":   {objects(1, "TestLeakSetTrackerInventory"), `globaltracker\.Conn`},
			"TestLeakSetTrackerNil":         {objects(1, "TestLeakSetTrackerNil"), `globaltracker\.Conn`},
		},
	}, {
		name: "clean only", run: "^TestClean", count: 20, exit: 0,
	}}},

	{pkg: "table", runs: []verdictRun{{
		name: "parallel rows", count: 20, args: []string{"-test.parallel=4"}, exit: 1,
		tests: map[string][]string{
			"TestLeakTable/leak_kept": {objects(1, "TestLeakTable/leak_kept"), `table\.Conn`, `kept by row leak_kept`},
		},
		absent: []string{"VerifyTestMain judges"},
	}}},

	{pkg: "sequential", runs: []verdictRun{{
		name: "in order", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakSequential":             {objects(1, "TestLeakSequential"), `sequential\.Conn`},
			"TestLeakSequentialOnAGoroutine": {objects(1, "TestLeakSequentialOnAGoroutine"), `sequential\.Conn`},
		},
	}, {
		name: "shuffled", count: 20, procs: 3, perProcess: seed, exit: 1,
		tests: map[string][]string{
			"TestLeakSequential":             {objects(1, "TestLeakSequential")},
			"TestLeakSequentialOnAGoroutine": {objects(1, "TestLeakSequentialOnAGoroutine")},
		},
	}}},

	{pkg: "grandchild", runs: []verdictRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "leak", run: "^TestLeak", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakGrandchildGoroutine": {`goroutine`, `grandchild\.waitForever`},
		},
	}}},

	{pkg: "unchecked", runs: []verdictRun{{
		name: "among keepers", count: 20, args: []string{"-test.parallel=4"}, exit: 1,
		tests: map[string][]string{
			"TestLeakCheckedAmongKeepers/leak_checked": {
				objects(1, "TestLeakCheckedAmongKeepers/leak_checked"), `kept by the checked test`,
			},
		},
	}}},

	{pkg: "uncheckedmain", runs: []verdictRun{{
		name: "among keepers", count: 1, procs: 20, args: []string{"-test.parallel=4"}, exit: 1,
		stderr: []string{`(?m)^leakcheck: [^\n]*TestMain`, `\b900 tracked objects\b`, `uncheckedmain\.Conn`},
	}}},

	{pkg: "finalizers", runs: []verdictRun{{
		name: "checked", skip: "^TestMainLeak", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakFinalizerHolderKept": {objects(1, "TestLeakFinalizerHolderKept"), `finalizers\.Conn`},
			"TestLeakCleanupChainKept":    {objects(1, "TestLeakCleanupChainKept"), `finalizers\.Conn`},
		},
	}, {
		name: "clean, judged by TestMain", run: "^TestClean", count: 1, procs: 20, exit: 0,
	}, {
		name: "kept, judged by TestMain", run: "^TestMainLeak", count: 1, procs: 20, exit: 1,
		stderr: []string{`(?m)^leakcheck: [^\n]*TestMain`, `\b2 tracked objects\b`, `finalizers\.Conn`},
	}}},

	{pkg: "afterreturn", runs: []verdictRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "leak", run: "^TestLeak", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakGoroutineNeverEnds": {objects(1, "TestLeakGoroutineNeverEnds"), `afterreturn\.Conn`, `goroutine`},
		},
	}}},

	{pkg: "cleanups", runs: []verdictRun{{
		name: "many cleanups", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakOneOf300CleanupsKeeps":  {objects(1, "TestLeakOneOf300CleanupsKeeps"), `cleanups\.Handle`},
			"TestLeakOneOf1000CleanupsKeeps": {objects(1, "TestLeakOneOf1000CleanupsKeeps"), `cleanups\.Handle`},
		},
	}}},

	{pkg: "signals", runs: []verdictRun{{
		name: "shuffled", count: 1, procs: 20, perProcess: seed, exit: 1,
		tests: map[string][]string{
			"TestLeakGoroutine": {`goroutine`, `signals\.waitForever`},
		},
	}}},

	{pkg: "goroutineoptions", runs: []verdictRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "leak", run: "^TestLeak", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakWithoutTheOption": {`goroutine`, `goroutineoptions\.blockForever`},
		},
	}}},

	{pkg: "syncpool", runs: []verdictRun{{
		name: "get and put", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakKeepsOne": {objects(1, "TestLeakKeepsOne"), `syncpool\.Buffer`},
		},
	}}},

	{pkg: "typenames", runs: []verdictRun{{
		name: "allow alone", run: "^TestCleanAllowUntrackedConn$", count: 20, exit: 0,
	}, {
		name: "ignore alone", run: "^TestCleanIgnoreUntrackedConn$", count: 20, exit: 0,
	}, {
		name: "all", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakMoreConnsThanAllowed":      {objects(2, "TestLeakMoreConnsThanAllowed"), `typenames\.Conn`},
			"TestLeakSessionDespiteIgnoredConn": {objects(1, "TestLeakSessionDespiteIgnoredConn"), `typenames\.Session`},
		},
	}}},

	{pkg: "typenamesmain", runs: []verdictRun{{
		name: "misspelt", count: 1, procs: 20, perProcess: seed, exit: 1,
		output: []string{`Conm`},
	}}},

	{pkg: "ginkgonames", runs: []verdictRun{{
		name: "random order", count: 1, procs: 20, exit: 0,
		args: []string{"-ginkgo.no-color", "-ginkgo.randomize-all", "-ginkgo.label-filter=!leak"},
		perProcess: func(i int) []string {
			return []string{fmt.Sprintf("-ginkgo.seed=%d", i)}
		},
		output: []string{`Ran 3 of 4 Specs`},
	}, {
		name: "leak", count: 1, exit: 1,
		args:   []string{"-ginkgo.no-color", "-ginkgo.label-filter=leak"},
		output: []string{objects(1, "type names keeps a Conn"), `ginkgonames\.Conn`, `Ran 1 of 4 Specs`},
	}}},

	{pkg: "other", runs: []verdictRun{{
		name: "check twice", count: 20, exit: 1,
		run: "^(TestFailCheckTwice|TestCleanAfterCheckTwice|TestCleanParallelAfterCheckTwice)$",
		tests: map[string][]string{
			"TestFailCheckTwice": {`twice`},
		},
	}, {
		name: "panicking tracker", run: "^TestCleanPanickyTracker", count: 20, exit: 0,
		stderr: []string{`\*other\.panicky`},
		absent: []string{"leakcheck.scopeTracker"},
	}, {
		name: "blocked cleanup", run: `^(TestFailBlockedCleanup|TestAfterBlocked\d+)$`, count: 1, procs: 3, exit: 1,
		within: 12 * time.Second,
		tests: map[string][]string{
			"TestFailBlockedCleanup": {`blocked|gave up`},
		},
	}}},
}

// The fixture binaries build a few at a time, and run many at a time: a
// verdict on a leaked goroutine waits for it to end, which takes little
// processor time.
var (
	verdictBuilds    = make(chan struct{}, max(2, runtime.NumCPU()))
	verdictProcesses = make(chan struct{}, 4*max(2, runtime.NumCPU()))
)

// verdictResults is what the binary of one case did.
type verdictResults struct {
	err  error           // the build or a process failed to run
	all  []string        // the binary's top-level tests
	runs [][]verdictProc // by run, by process
}

type verdictProc struct {
	args []string
	gotest.Result
}

func TestVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every fixture under testdata/verdicts")
	}
	bins := t.TempDir()
	// Every case builds and runs at once; the verdicts are read in order.
	results := make([]chan verdictResults, len(verdictCases))
	for i, c := range verdictCases {
		results[i] = make(chan verdictResults, 1)
		go func() { results[i] <- c.execute(bins) }()
	}
	for i, c := range verdictCases {
		res := <-results[i]
		t.Run(c.pkg, func(t *testing.T) {
			require.NoError(t, res.err)
			for j, r := range c.runs {
				t.Run(r.name, func(t *testing.T) {
					wanted := r.wanted(res.all)
					require.NotEmpty(t, wanted, "-test.run %q -test.skip %q leave no test", r.run, r.skip)
					for _, p := range res.runs[j] {
						// One process's failures are enough to read.
						if !r.judge(t, wanted, p) {
							return
						}
					}
				})
			}
		})
	}
}

// execute builds the fixture binary of c, lists its tests and runs it as
// c's runs say.
func (c verdictCase) execute(bins string) verdictResults {
	var res verdictResults
	dir, err := filepath.Abs(filepath.Join("testdata", "verdicts", c.pkg))
	if err != nil {
		return verdictResults{err: err}
	}
	bin := filepath.Join(bins, c.pkg+".test")
	verdictBuilds <- struct{}{}
	err = gotest.Build(bin, "-race", "./testdata/verdicts/"+c.pkg)
	<-verdictBuilds
	if err != nil {
		return verdictResults{err: err}
	}
	list, err := gotest.Exec(time.Minute, dir, bin, "-test.list", ".")
	if err == nil && list.Code != 0 {
		err = fmt.Errorf("-test.list: exit code %d\n%s%s", list.Code, list.Stdout, list.Stderr)
	}
	if err != nil {
		return verdictResults{err: err}
	}
	for _, line := range strings.Split(list.Stdout, "\n") {
		if strings.HasPrefix(line, "Test") {
			res.all = append(res.all, line)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	res.runs = make([][]verdictProc, len(c.runs))
	for j, r := range c.runs {
		res.runs[j] = make([]verdictProc, max(r.procs, 1))
		for i := range res.runs[j] {
			args := r.flags(i + 1)
			wg.Go(func() {
				verdictProcesses <- struct{}{}
				defer func() { <-verdictProcesses }()
				out, err := gotest.Exec(4*time.Minute, dir, bin, args...)
				mu.Lock()
				defer mu.Unlock()
				res.runs[j][i] = verdictProc{args, out}
				if err != nil && res.err == nil {
					res.err = fmt.Errorf("%w\n%s%s", err, out.Stdout, out.Stderr)
				}
			})
		}
	}
	wg.Wait()
	return res
}

// flags returns the flags of the i-th process of r, from 1.
func (r verdictRun) flags(i int) []string {
	flags := []string{"-test.v", fmt.Sprintf("-test.count=%d", r.count), "-test.timeout=3m"}
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

// wanted returns the top-level tests that -test.run and -test.skip leave.
func (r verdictRun) wanted(all []string) []string {
	var wanted []string
	for _, name := range all {
		if (r.run == "" || regexp.MustCompile(r.run).MatchString(name)) &&
			(r.skip == "" || !regexp.MustCompile(r.skip).MatchString(name)) {
			wanted = append(wanted, name)
		}
	}
	return wanted
}

// judge checks one process and reports whether it was as expected.
func (r verdictRun) judge(t *testing.T, wanted []string, res verdictProc) bool {
	t.Helper()
	ok := true
	fail := func(format string, a ...any) {
		ok = false
		t.Errorf("%s %s: %s", r.name, strings.Join(res.args, " "), fmt.Sprintf(format, a...))
	}
	outcomes := parseTests(res.Stdout)
	if res.Code != r.exit {
		fail("exit code %d, want %d", res.Code, r.exit)
	}
	if r.within > 0 && res.Duration > r.within {
		fail("took %v, want at most %v", res.Duration.Round(time.Millisecond), r.within)
	}
	for _, name := range wanted {
		o := outcomes[name]
		if o == nil || o.passed+o.failed+o.skipped != r.count {
			fail("%s ran to the end %d times, want %d", name, o.runs(), r.count)
		}
	}
	names := slices.Sorted(maps.Keys(outcomes))
	for _, name := range names {
		o := outcomes[name]
		parent := slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, name+"/") })
		switch verdictOf(name) {
		case mustLeak, mustFail:
			if o.failed != r.count || o.passed != 0 {
				fail("%s failed %d and passed %d times, want it to fail %d times:\n%s", name, o.failed, o.passed, r.count, quote(tail(o.output.String(), 4000)))
				continue
			}
			if verdictOf(name) == mustLeak && !parent {
				headline := regexp.MustCompile(`(?m)leakcheck: [^\n]*outlived ` + regexp.QuoteMeta(name) + `(?:[ ,:(]|$)`)
				if n := len(headline.FindAllString(o.output.String(), -1)); n < r.count {
					fail("%s has %d leakcheck reports that name it, want %d:\n%s", name, n, r.count, quote(tail(o.output.String(), 4000)))
				}
			}
		case mustPass:
			if o.passed != r.count || o.failed != 0 {
				fail("%s passed %d and failed %d times, want it to pass %d times:\n%s", name, o.passed, o.failed, r.count, quote(tail(o.output.String(), 4000)))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.tests)) {
		o := outcomes[name]
		if o == nil {
			fail("%s did not run", name)
			continue
		}
		for _, want := range r.tests[name] {
			if !regexp.MustCompile(want).MatchString(o.output.String()) {
				fail("the output of %s does not match %q:\n%s", name, want, quote(tail(o.output.String(), 4000)))
			}
		}
	}
	for _, want := range r.stderr {
		if !regexp.MustCompile(want).MatchString(res.Stderr) {
			fail("standard error does not match %q", want)
		}
	}
	all := res.Stdout + res.Stderr
	for _, want := range r.output {
		if !regexp.MustCompile(want).MatchString(all) {
			fail("the output does not match %q", want)
		}
	}
	for _, not := range r.absent {
		if strings.Contains(all, not) {
			fail("the output contains %q", not)
		}
	}
	if !ok {
		t.Logf("standard output:\n%s\nstandard error:\n%s", quote(tail(res.Stdout, 20000)), quote(tail(res.Stderr, 20000)))
	}
	return ok
}

type expected int

const (
	notJudged expected = iota
	mustLeak
	mustFail
	mustPass
)

// verdictOf reads a test's expected verdict from its name.
func verdictOf(name string) expected {
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

// testOutcome is what one test did in one process, over every
// -test.count round.
type testOutcome struct {
	passed, failed, skipped int
	output                  strings.Builder
}

func (o *testOutcome) runs() int {
	if o == nil {
		return 0
	}
	return o.passed + o.failed + o.skipped
}

// frame matches the lines that -test.v prints about a test: starting,
// pausing, continuing or ending, or which test the next lines of output
// belong to. (-test.v=test2json would mark them better, but it also
// sends os.Stderr to standard output, and some runs judge standard error.)
var frame = regexp.MustCompile(`^(?:=== (?:RUN|PAUSE|CONT|NAME) +(\S*)|\s*--- (PASS|FAIL|SKIP): (\S+) \()`)

// parseTests reads the output of a test binary run with -test.v: each
// test's results, and the output that belongs to it.
func parseTests(stdout string) map[string]*testOutcome {
	tests := map[string]*testOutcome{}
	get := func(name string) *testOutcome {
		o := tests[name]
		if o == nil {
			o = &testOutcome{}
			tests[name] = o
		}
		return o
	}
	current := ""
	for _, line := range strings.SplitAfter(stdout, "\n") {
		m := frame.FindStringSubmatch(line)
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
			case "SKIP":
				o.skipped++
			}
		}
	}
	return tests
}

// quote marks each line of a fixture's output, so that its "--- FAIL"
// lines are not read as this test's.
func quote(s string) string {
	return "| " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n| ")
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}
