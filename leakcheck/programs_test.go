package leakcheck_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/objtrack/objtrack/internal/testsupport/gotest"
)

// The program fixtures, under testdata/programs, pin leakcheck's verdicts
// on what real programs and real suites contain beyond plain Go: cgo
// callbacks, timers stopped and pending, contexts canceled, finalizers
// that block, fuzzing, and misuse of Check itself. They run as
// fixtureSuite says, each process in 3 minutes at most.
func TestPrograms(t *testing.T) {
	cases := programCases
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Log("no gcc on PATH: the cgo fixture is left out (apt-get install gcc, or set CC, to run it)")
		cases = cases[1:]
	}
	testFixtures(t, fixtureSuite{dir: "programs", cases: cases, timeout: 3 * time.Minute})
}

// deferred is the failure of a test that defers Check, or a function that
// calls it.
const deferred = `Check was deferred \(defer leakcheck\.Check\(t\), or called by a deferred function\), so it runs when the test returns and judges nothing`

var programCases = []fixtureCase{
	// cgo first: TestPrograms leaves it out where there is no C compiler.
	{pkg: "cgo", runs: []fixtureRun{{
		name: "clean callbacks", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "a callback's object kept", run: "^TestLeak", count: 20, exit: 1,
		tests: map[string][]string{
			// The creation site goes on past the C frames to the test.
			"TestLeakCallback": {outlived(1, "TestLeakCallback"), `cgo\.Conn: 1 live`, `cgo\.Dial \(cgo/cgo\.go:\d+\)`, `cgo\.TestLeakCallback \(cgo/cgo_test\.go:\d+\)`},
		},
	}, {
		name: "judged by TestMain", run: "^Test(Clean|Main)", count: 1, procs: 20, exit: 1,
		// The Conn made on C's thread belongs to no test: its site ends
		// at the callback.
		stderr: []string{`(?m)^leakcheck: 2 tracked objects outlived TestMain`, `cgo\.TestMainLeakUnchecked \(cgo/cgo_test\.go:\d+\)`, `(?m)^      _cgoexp_\w+_goCallback \(_cgo_gotypes\.go:\d+\)\n    serials: `},
	}}},

	{pkg: "timers", paths: true, runs: []fixtureRun{{
		name: "stopped timers, canceled contexts, a timer and a goroutine within the grace", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "the same, shuffled, one process each", run: "^TestClean", count: 1, procs: 20, perProcess: seed, exit: 0,
	}, {
		name: "pending timers", run: "^TestLeak", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestLeakIdleTimerPending":        {outlived(1, "TestLeakIdleTimerPending"), pendingTimer + `, due in ` + duration + `: its function, the method value timers\.\(\*Conn\)\.Close, holds the receiver\n`},
			"TestLeakTimerFiresAfterTheGrace": {outlived(1, "TestLeakTimerFiresAfterTheGrace"), pendingTimer + `, due in ` + duration + `: its function timers\.TestLeakTimerFiresAfterTheGrace\.func1 \(timers/timers_test\.go:\d+\) holds it in its captured variable c\n`},
			"TestLeakContextNotCanceled":      {outlived(1, "TestLeakContextNotCanceled"), `held by:\n\s+a context's pending deadline timer \(context\.WithTimeout or WithDeadline, not cancelled\), due in 59m\d+s: its function holds the context in its captured variable c: c\.cancelCtx\.Context\.\(\*context\.valueCtx\)\.val\n`},
		},
	}}},

	{pkg: "blocked", paths: true, runs: []fixtureRun{{
		name: "a finalizer blocks for ever", run: "^Test(FailBlockedFinalizer|CleanLater|LeakLater)", count: 1, procs: 20, exit: 1,
		// The bounds catch a verdict that waits without end; they leave
		// room for the symbol table's rebuild (a go build, slow on a cold
		// cache) of the verdicts that find retention paths.
		within: time.Minute, testWithin: 20 * time.Second,
		tests: map[string][]string{
			"TestFailBlockedFinalizer": {`the finalizer goroutine is blocked in a function given to runtime\.SetFinalizer`, `blocked\.blockFinalizer\.func1`},
			"TestLeakLater":            {outlived(1, "TestLeakLater")},
		},
	}, {
		name: "a cleanup blocks for ever, with one goroutine for cleanups", run: "^Test(FailBlockedCleanup|CleanLater|LeakLaterGoroutine)", count: 1, procs: 20, exit: 1,
		args:   []string{"-test.cpu=2"}, // GOMAXPROCS/4: one goroutine runs cleanups, and the blocked one holds it
		within: time.Minute, testWithin: 20 * time.Second,
		tests: map[string][]string{
			"TestFailBlockedCleanup": {`cleanups or finalizers are still queued or running; one of them is probably blocked`, `blocked\.blockCleanup\.func1`},
			"TestLeakLaterGoroutine": {`no tracked object outlived TestLeakLaterGoroutine, but goroutines did`, `objects were not judged: leakcheck: TestLeakLaterGoroutine was not judged: a cleanup found blocked earlier`, `blocked\.TestLeakLaterGoroutine\.func1`},
		},
		// Nothing can be judged after it: each later verdict says so
		// without -v, and does not wait for it again.
		stderr: []string{`(?m)^leakcheck: TestCleanLater1 was not judged: a cleanup found blocked earlier`, `(?m)^leakcheck: TestCleanLater5 was not judged`},
	}}},

	{pkg: "misuse", runs: []fixtureRun{{
		name: "Check deferred, in a cleanup, on another goroutine, or given a parent's t", skip: "Panics", count: 20, exit: 1,
		tests: map[string][]string{
			"TestFailDeferredCheck":           {deferred},
			"TestFailDeferredCheckInALoop":    {deferred},
			"TestFailDeferredClosure":         {deferred},
			"TestFailDeferredHelper":          {deferred},
			"TestFailCheckInCleanup":          {`Check was called in a t\.Cleanup function, which runs once the test has returned, so it judges nothing that the test did: call leakcheck\.Check\(t\) first in the test, outside t\.Cleanup`},
			"TestFailCheckOnAnotherGoroutine": {`Check was called on a goroutine other than the test's`},
			"TestFailParentTInASubtest":       {`Check was given the t of TestFailParentTInASubtest, but runs in one of its subtests \(t\.Run\), which that t does not judge: pass the subtest's own t`},
			"TestLeakCheckFirst":              {outlived(1, "TestLeakCheckFirst")},
		},
	}, {
		name: "the usual shapes", run: "^TestClean", count: 20, args: []string{"-test.bench=.", "-test.benchtime=100x"}, exit: 0,
		output: []string{`(?m)^BenchmarkCheck`},
	}, {
		name: "a test panics", run: "Panics", count: 1, procs: 20, exit: 2,
		output: []string{`(?m)^panic: \(\*misuse\.Conn\)`},
		absent: []string{"outlived"},
	}}},

	{pkg: "failedmain", runs: []fixtureRun{{
		name: "a test fails", count: 1, procs: 20, exit: 1,
		stderr: []string{`(?m)^leakcheck: tests failed, so VerifyTestMain did not judge what outlived the run`},
		absent: []string{"outlived TestMain"},
	}}},

	{pkg: "syncpools", paths: true, runs: []fixtureRun{{
		name: "pools dropped and released", run: "^Test(Main)?Clean", count: 1, procs: 20, perProcess: seed, exit: 0,
	}, {
		name: "pools kept", run: "^TestLeak", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestLeakCacheKept":              {outlived(1, "TestLeakCacheKept"), `held by:\n\s+global  syncpools\.kept\[\d+\]\n`},
			"TestLeakCacheKeptAmongDirReads": {outlived(1, "TestLeakCacheKeptAmongDirReads"), `held by:\n\s+global  syncpools\.kept\[\d+\]\n`},
			"TestLeakWorkerPoolNotReleased":  {`held by:\n\s+global  syncpools\.keptPool\n`},
			"TestLeakKeptBesideStaleWords":   {outlived(1, "TestLeakKeptBesideStaleWords"), `held by:\n\s+global  syncpools\.kept\[\d+\]\n`},
		},
		absent: []string{"dirBufPool", "sync.allPools", "sync.oldPools", "staleBytes", "bytePool"},
	}}},
}

// pendingTimer begins the holder line of an object that a pending
// time.AfterFunc timer's function holds; its due time and its function
// follow.
const pendingTimer = `held by:\n\s+a pending time\.AfterFunc timer`

// duration matches a time.Duration as String prints it ("54.4s", "188ms",
// "1m2.5s"): how long a timer has left depends on how long the verdict took.
const duration = `(\d+h)?(\d+m)?\d+(\.\d+)?(ns|µs|ms|s)`

// A fuzz target's Check(f) judges its seed corpus, both ways, 20 times:
// four processes of five, side by side, as each leaking round waits out
// the grace (one process of two under make test). (go test -list, which
// the fixture suites read, lists no fuzz target.)
func TestFuzzSeedCorpusVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the fuzzing fixture 20 times")
	}
	t.Parallel()
	rounds := gotest.Rounds(5, 2)
	for proc := range gotest.Rounds(4, 1) {
		t.Run(fmt.Sprint("process ", proc+1), func(t *testing.T) {
			t.Parallel()
			code, out := gotest.Run(t, "-race", fmt.Sprintf("-count=%d", rounds), "-v", "./testdata/programs/fuzzing")
			assert.Equal(t, 1, code, out)
			assert.Equal(t, rounds, strings.Count(out, "--- FAIL: FuzzLeakKeeps ("), out)
			assert.Equal(t, rounds, strings.Count(out, "leakcheck: 1 tracked object outlived FuzzLeakKeeps"), out)
			assert.Equal(t, rounds, strings.Count(out, "--- PASS: FuzzCleanParse ("), out)
		})
	}
}

// Under go test -fuzz, Check(f) judges the inputs that the worker
// processes run: a target whose inputs keep objects fails with the report
// and a failing input, one whose inputs let go of them passes, every run
// (three under make test-long, one under make test). Each run fuzzes with one worker; a failing one stops at the first
// finding, a passing one runs 20,000 inputs, which take longer than the
// grace after which the failing ones fail. The failing inputs that go test
// writes into the fixture's testdata/fuzz are removed.
func TestFuzzingVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzes the fuzzworker fixture")
	}
	t.Parallel()
	runs := gotest.Rounds(3, 1)
	dir := filepath.Join("testdata", "programs", "fuzzworker")
	for _, target := range []string{"FuzzLeakKeeps", "FuzzLeakSomeInputs", "FuzzCleanParse", "FuzzCleanSharedByTheInputs", "FuzzCleanTimerLetsGo", "FuzzLeakGoroutine", "FuzzCleanGoroutineEnds", "FuzzCleanGoroutineIgnored"} {
		// The targets side by side: a failing one waits out the grace,
		// a passing one fuzzes. Each writes its failing inputs in a
		// folder of its own, removed after each run.
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			corpus := filepath.Join(dir, "testdata", "fuzz", target)
			t.Cleanup(func() { os.RemoveAll(corpus) })
			leaks := strings.HasPrefix(target, "FuzzLeak")
			// Counts, not durations: go test -fuzz fails now and then with
			// "context deadline exceeded" as a duration ends (go.dev/issue/75804).
			fuzztime := "20000x"
			if leaks {
				fuzztime = "10000000x"
			}
			for run := range runs {
				code, out := gotest.Run(t, "-run=^$", "-fuzz=^"+target+"$", "-fuzztime="+fuzztime, "-parallel=1", "./"+filepath.ToSlash(dir))
				if leaks {
					if assert.Equal(t, 1, code, "%s, run %d:\n%s", target, run, out) {
						if target == "FuzzLeakGoroutine" {
							assert.Contains(t, out, "no tracked object outlived the fuzz inputs of "+target+" that started them, but goroutines did", "%s, run %d", target, run)
							assert.Regexp(t, `goroutines \[chan receive\], ids \d+`, out)
							assert.Contains(t, out, "created by fuzzworker.FuzzLeakGoroutine.func1 (fuzzworker/fuzzworker_test.go:")
						} else {
							assert.Contains(t, out, "outlived the fuzz inputs of "+target+" that made them", "%s, run %d", target, run)
							assert.Regexp(t, `fuzzworker\.Conn: \d+ live`, out)
						}
						assert.Contains(t, out, "Failing input written to testdata/fuzz/"+target+"/")
					}
				} else {
					assert.Equal(t, 0, code, "%s, run %d:\n%s", target, run, out)
					assert.NotContains(t, out, "leakcheck:", "%s, run %d", target, run)
				}
				os.RemoveAll(corpus)
			}
		})
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Join(dir, "testdata")) })
}
