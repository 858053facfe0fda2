package leakcheck_test

import (
	"testing"
	"time"
)

// The framework fixtures, under testdata/frameworks, pin leakcheck's
// verdicts inside what users combine it with: testing/synctest bubbles,
// testify suites, contexts canceled with the test (t.Context), and
// trackable.Watch on values of the standard library. They run as
// fixtureSuite says, each process in 2 minutes at most, and fewer at once
// than the verdict fixtures: some runs bound their time.
func TestFrameworks(t *testing.T) {
	testFixtures(t, fixtureSuite{dir: "frameworks", cases: frameworkCases, timeout: 2 * time.Minute})
}

var frameworkCases = []fixtureCase{
	{pkg: "synctest", runs: []fixtureRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
		within: 90 * time.Second, testWithin: 10 * time.Second, // each test well under the 30 s Budget that a stuck verdict would wait
	}, {
		name: "leak", run: "^TestLeak", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakWorkerInBubble": {outlived(1, "TestLeakWorkerInBubble"), `synctest\.Conn: 1 live`, `"kept by the bubble's worker"`},
		},
	}}},

	{pkg: "testifysuite", paths: true, runs: []fixtureRun{{
		name: "parallel suites", run: "^TestParallel", count: 5, procs: 4, args: []string{"-test.parallel=4"}, exit: 1,
		failing: []string{"TestParallelSuiteA"},
		tests: map[string][]string{
			"TestParallelSuiteA": testifyLeaks("TestParallelSuiteA"),
		},
		absent: []string{"testifysuite.Pool", "outlived TestParallelSuiteB"},
	}, {
		name: "sequential suites", run: "^TestSequential", count: 5, procs: 4, exit: 1,
		failing: []string{"TestSequentialSuiteA", "TestSequentialSuiteC", "TestSequentialSuiteD", "TestSequentialSuitePanics"},
		tests: map[string][]string{
			"TestSequentialSuiteA": testifyLeaks("TestSequentialSuiteA"),
			// Check in SetupSuite judges the suite's test as a whole.
			"TestSequentialSuiteC":      {outlived(1, "TestSequentialSuiteC"), `"kept by SuiteC.TestKeepsForTheSuite"`},
			"TestSequentialSuitePanics": {`TearDownSuite panics`},
			// Check in SetupSubTest judges each row, once suite.Run returns.
			"TestSequentialSuiteD": {outlived(1, "TestSequentialSuiteD/TestRows/keeps"), `"kept by SuiteD\.TestRows/keeps"`},
		},
		absent: []string{
			"testifysuite.Pool", "outlived TestSequentialSuiteB", "outlived TestSequentialSuitePanics", "outlived TestSequentialSuiteC/",
			"outlived TestSequentialSuiteD/TestCleanRows", "outlived TestSequentialSuiteD/TestRows/first", "outlived TestSequentialSuiteD/TestRows/last",
		},
	}}},

	{pkg: "contextcancel", runs: []fixtureRun{{
		name: "clean under load", run: "^TestClean", count: 20, args: []string{"-test.parallel=8", "-test.cpu=1,2"}, exit: 0,
	}, {
		name: "a worker that never exits", count: 1, procs: 20, args: []string{"-test.parallel=8"}, exit: 1,
		tests: map[string][]string{
			"TestLeakWorkerNeverExits": {
				outlived(5, "TestLeakWorkerNeverExits"), `contextcancel\.Conn: 5 live`,
				`(?s)5 goroutines still running:.*contextcancel\.worker`,
			},
		},
	}}},

	{pkg: "watch", runs: []fixtureRun{{
		name: "WithCancel", run: "ContextWithCancel", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakContextWithCancelCancelForgotten": {outlived(1, "TestLeakContextWithCancelCancelForgotten"), `(?m)^\s*context\.cancelCtx: 1 live`},
		},
	}, {
		// Apart: the forgotten twins leave timers pending, and while a
		// processor has many pending timers the runtime keeps a stopped
		// one (and the context its function holds) until its deadline.
		name: "WithTimeout canceled", run: "TestCleanContextWithTimeout", count: 20, exit: 0,
	}, {
		name: "WithTimeout forgotten", run: "TestLeakContextWithTimeout", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakContextWithTimeoutCancelForgotten": {outlived(1, "TestLeakContextWithTimeoutCancelForgotten"), `(?m)^\s*context\.timerCtx: 1 live`},
		},
	}, {
		name: "responses", run: "Response", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakResponseBodyNeverClosed": {`(?s)2 goroutines still running:.*http\.\(\*persistConn\)\.readLoop`},
		},
	}}},
}

// testifyLeaks is what the test of suite SuiteA reports: the connection
// that TestKeeps keeps in a registry, and the one that TestLeakGoroutine
// leaves to its goroutine, each with its holder, and nothing that the
// suite's fields hold.
func testifyLeaks(test string) []string {
	return []string{
		outlived(1, test+"/TestKeeps"), `"kept by SuiteA.TestKeeps"`, `held by:\n\s+global  testifysuite\.kept`,
		outlived(1, test+"/TestLeakGoroutine"), `held by:\n\s+variable c of testifysuite\.\(\*SuiteA\)\.TestLeakGoroutine\.func1 \(testifysuite/testifysuite_test\.go:\d+\), goroutine \d+ \[chan receive\], started by the test\n`,
		`testifysuite_test\.go:62: leakcheck`,
	}
}
