package leakcheck_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// The verdict fixtures, under testdata/verdicts, pin what leakcheck must
// decide in situations where a wrong verdict is easy. They run as
// fixtureSuite says, each process in 3 minutes at most, and many at once:
// a verdict on a leaked goroutine waits for it to end, which takes little
// processor time.
func TestVerdicts(t *testing.T) {
	testFixtures(t, fixtureSuite{dir: "verdicts", cases: verdictCases, timeout: 3 * time.Minute})
}

// seed gives each process its own order of the tests: -test.shuffle with
// a seed rather than "on", so that a failure can be run again as it was,
// and the orders are the same from run to run (seeds 1 to 20 put each of
// the signal tests first several times).
func seed(i int) []string { return []string{fmt.Sprintf("-test.shuffle=%d", i)} }

// misspelt matches the message of a verdict whose option names no type
// of the program, and offers the one it misspells.
func misspelt(option, name, meant string) string {
	return fmt.Sprintf(`(?m)leakcheck: option %s\(%s\) names no type of the program; did you mean %s\?$`,
		regexp.QuoteMeta(option), regexp.QuoteMeta(strconv.Quote(name)), regexp.QuoteMeta(strconv.Quote(meant)))
}

// typenamesMain is what typenames runs under VerifyTestMain: the tests
// of its main_test.go, not those that call Check with misspelt options.
const typenamesMain = "^Test(MakesNoConn|KeepsPooledConns|MakesAndDropsAConn)$"

var verdictCases = []fixtureCase{
	{pkg: "globaltracker", runs: []fixtureRun{{
		name: "in order", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestLeakAfterSetGlobalTracker": {outlived(1, "TestLeakAfterSetGlobalTracker"), `globaltracker\.Conn`},
			"TestLeakInALaterTest":          {outlived(1, "TestLeakInALaterTest"), `globaltracker\.Conn`},
			"TestLeakSetTrackerInventory":   {outlived(1, "TestLeakSetTrackerInventory"), `globaltracker\.Conn`},
			"TestLeakSetTrackerNil":         {outlived(1, "TestLeakSetTrackerNil"), `globaltracker\.Conn`},
		},
	}, {
		name: "clean only", run: "^TestClean", count: 20, exit: 0,
	}}},

	{pkg: "table", runs: []fixtureRun{{
		name: "parallel rows", count: 20, args: []string{"-test.parallel=4"}, exit: 1,
		tests: map[string][]string{
			"TestLeakTable/leak_kept": {outlived(1, "TestLeakTable/leak_kept"), `table\.Conn`, `kept by row leak_kept`},
		},
		absent: []string{"VerifyTestMain judges"},
	}}},

	{pkg: "sequential", runs: []fixtureRun{{
		name: "in order", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakSequential":             {outlived(1, "TestLeakSequential"), `sequential\.Conn`},
			"TestLeakSequentialOnAGoroutine": {outlived(1, "TestLeakSequentialOnAGoroutine"), `sequential\.Conn`},
		},
	}, {
		name: "shuffled", count: 20, procs: 3, perProcess: seed, exit: 1,
		tests: map[string][]string{
			"TestLeakSequential":             {outlived(1, "TestLeakSequential")},
			"TestLeakSequentialOnAGoroutine": {outlived(1, "TestLeakSequentialOnAGoroutine")},
		},
	}}},

	{pkg: "grandchild", runs: []fixtureRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "leak", run: "^TestLeak", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakGrandchildGoroutine": {`goroutine`, `grandchild\.waitForever`},
		},
	}}},

	{pkg: "unchecked", runs: []fixtureRun{{
		name: "among keepers", count: 20, args: []string{"-test.parallel=4"}, exit: 1,
		tests: map[string][]string{
			"TestLeakCheckedAmongKeepers/leak_checked": {
				outlived(1, "TestLeakCheckedAmongKeepers/leak_checked"), `kept by the checked test`,
			},
		},
		absent: []string{"kept by an unchecked test"},
	}}},

	{pkg: "unchecked", tags: "objtrack_fixture_testmain", runs: []fixtureRun{{
		name: "among keepers", skip: "^TestLeakCheckedAmongKeepers$", count: 1, procs: 20, args: []string{"-test.parallel=4"}, exit: 1,
		stderr: []string{`(?m)^leakcheck: [^\n]*TestMain`, `\b900 tracked objects\b`, `unchecked\.Conn`, `kept by an unchecked test`},
	}}},

	{pkg: "latemain", runs: []fixtureRun{{
		name: "a grandchild goroutine tracks after the last test", count: 1, procs: 20, exit: 1,
		stderr: []string{`(?m)^leakcheck: 1 tracked object outlived TestMain \(1 type\)`, `latemain\.Conn: 1 live`},
	}}},

	{pkg: "finalizers", runs: []fixtureRun{{
		name: "checked", skip: "^TestMainLeak", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakFinalizerHolderKept": {outlived(1, "TestLeakFinalizerHolderKept"), `finalizers\.Conn`},
			"TestLeakCleanupChainKept":    {outlived(1, "TestLeakCleanupChainKept"), `finalizers\.Conn`},
		},
	}, {
		name: "clean, judged by TestMain", run: "^TestClean", count: 1, procs: 20, exit: 0,
	}, {
		name: "kept, judged by TestMain", run: "^TestMainLeak", count: 1, procs: 20, exit: 1,
		stderr: []string{`(?m)^leakcheck: [^\n]*TestMain`, `\b2 tracked objects\b`, `finalizers\.Conn`},
	}}},

	{pkg: "afterreturn", runs: []fixtureRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "leak", run: "^TestLeak", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakGoroutineNeverEnds": {outlived(1, "TestLeakGoroutineNeverEnds"), `afterreturn\.Conn`, `goroutine`},
		},
	}}},

	{pkg: "cleanups", runs: []fixtureRun{{
		name: "many cleanups", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestLeakOneOf300CleanupsKeeps":  {outlived(1, "TestLeakOneOf300CleanupsKeeps"), `cleanups\.Handle`},
			"TestLeakOneOf1000CleanupsKeeps": {outlived(1, "TestLeakOneOf1000CleanupsKeeps"), `cleanups\.Handle`},
		},
	}}},

	{pkg: "signals", runs: []fixtureRun{{
		name: "shuffled", count: 1, procs: 20, perProcess: seed, exit: 1,
		tests: map[string][]string{
			"TestLeakGoroutine": {`goroutine`, `signals\.waitForever`},
		},
	}}},

	{pkg: "goroutineoptions", runs: []fixtureRun{{
		name: "clean", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "leak", run: "^TestLeak", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakWithoutTheOption":               {`goroutine`, `goroutineoptions\.blockForever`},
			"TestLeakWithAnOptionForAnotherFunction": {`goroutine`, `goroutineoptions\.blockForever`},
		},
	}}},

	{pkg: "labels", runs: []fixtureRun{{
		name: "objects of goroutines without the test's label", count: 5, procs: 4, exit: 1,
		run: "^Test(Leak|Clean)(InsidePprofDo|AfterPprofDo|InAfterFunc|FinalizerChain20|FinalizerChain20Kept|LateGoroutineWithoutGoroutines)$",
		tests: map[string][]string{
			"TestLeakInsidePprofDo":        {outlived(1, "TestLeakInsidePprofDo"), `labels\.Conn`},
			"TestLeakAfterPprofDo":         {outlived(1, "TestLeakAfterPprofDo"), `labels\.Conn`},
			"TestLeakInAfterFunc":          {outlived(1, "TestLeakInAfterFunc"), `labels\.Conn`},
			"TestLeakFinalizerChain20Kept": {outlived(1, "TestLeakFinalizerChain20Kept"), `labels\.Conn`},
		},
	}, {
		name: "goroutines started inside pprof.Do", run: "GoroutineInsidePprofDo$", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakGoroutineInsidePprofDo": {`1 goroutine still running`, `labels\.TestLeakGoroutineInsidePprofDo`},
		},
	}, {
		name: "parallel rows that lose their labels", run: "Table", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestTableLabelsLost/leak_kept":           {outlived(1, "TestTableLabelsLost/leak_kept")},
			"TestTableSpawnAfterLabelsLost/leak_kept": {outlived(1, "TestTableSpawnAfterLabelsLost/leak_kept")},
			"TestLeakTableAfterFunc":                  {outlived(1, "TestLeakTableAfterFunc")},
		},
	}, {
		name: "goleak options in parallel tests", run: "Parallel$", count: 1, procs: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakNotIgnoredParallel": {`1 goroutine still running`, `labels\.TestLeakNotIgnoredParallel`},
		},
	}}},

	{pkg: "syncpool", runs: []fixtureRun{{
		name: "get and put", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakKeepsOne": {outlived(1, "TestLeakKeepsOne"), `syncpool\.Buffer`},
		},
	}}},

	{pkg: "typenames", runs: []fixtureRun{{
		name: "allow alone", run: "^TestCleanAllowUntrackedConn$", count: 20, exit: 0,
	}, {
		name: "ignore alone", run: "^TestCleanIgnoreUntrackedConn$", count: 20, exit: 0,
	}, {
		name: "a type that nothing tracks", run: "^TestCleanNeverTrackedPool$", count: 20, exit: 0,
	}, {
		name: "misspelt alone", run: "^TestFail", count: 20, exit: 1,
		tests: map[string][]string{
			"TestFailAllowMisspelt":     {misspelt("Allow", "Conm", "typenames.Conn")},
			"TestFailIgnoreMisspelt":    {misspelt("IgnoreTypes", "typenames.Sesion", "typenames.Session")},
			"TestFailIgnorePointerType": {`(?m)leakcheck: option IgnoreTypes\("\*typenames\.Conn"\) names a pointer type, and objects are named by the type they point to: write "typenames\.Conn"$`},
		},
		absent: []string{"outlived"},
	}, {
		name: "all", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestFailAllowMisspelt":             {misspelt("Allow", "Conm", "typenames.Conn")},
			"TestFailIgnoreMisspelt":            {misspelt("IgnoreTypes", "typenames.Sesion", "typenames.Session")},
			"TestLeakMoreConnsThanAllowed":      {outlived(2, "TestLeakMoreConnsThanAllowed"), `typenames\.Conn`},
			"TestLeakSessionDespiteIgnoredConn": {outlived(1, "TestLeakSessionDespiteIgnoredConn"), `typenames\.Session`},
		},
	}}},

	{pkg: "typenames", tags: "objtrack_fixture_testmain", runs: []fixtureRun{{
		name: "one test that makes no Conn", run: "^TestMakesNoConn$", count: 1, procs: 20, exit: 0,
		absent: []string{"leakcheck:"},
	}, {
		name: "all, shuffled", run: typenamesMain, count: 1, procs: 20, perProcess: seed, exit: 0,
		absent: []string{"leakcheck:"},
	}, {
		name: "misspelt Allow", run: typenamesMain, count: 1, procs: 20, perProcess: seed, args: []string{"-misspelt=allow"}, exit: 1,
		stderr: []string{misspelt("Allow", "typenames.Conm", "typenames.Conn")},
		absent: []string{"outlived"},
	}, {
		name: "misspelt IgnoreTypes, one test", run: "^TestMakesNoConn$", count: 1, procs: 20, args: []string{"-misspelt=ignore"}, exit: 1,
		stderr: []string{misspelt("IgnoreTypes", "Sesion", "typenames.Session")},
		absent: []string{"outlived"},
	}}},

	{pkg: "ginkgonames", runs: []fixtureRun{{
		name: "random order", count: 1, procs: 20, exit: 0,
		args: []string{"-ginkgo.no-color", "-ginkgo.randomize-all", "-ginkgo.label-filter=!leak && !typo"},
		perProcess: func(i int) []string {
			return []string{fmt.Sprintf("-ginkgo.seed=%d", i)}
		},
		output: []string{`Ran 4 of 6 Specs`},
	}, {
		name: "a typo, in random order", count: 1, procs: 20, exit: 1, failing: []string{"TestNames"},
		args: []string{"-ginkgo.no-color", "-ginkgo.randomize-all", "-ginkgo.label-filter=!leak"},
		perProcess: func(i int) []string {
			return []string{fmt.Sprintf("-ginkgo.seed=%d", i)}
		},
		output: []string{
			`HaveNoLive\("Connn"\) names no type of the program; did you mean "ginkgonames\.Conn"\?`,
			`Ran 5 of 6 Specs`, `4 Passed \| 1 Failed`,
		},
		absent: []string{"outlived"},
	}, {
		name: "leak", count: 1, exit: 1, failing: []string{"TestNames"},
		args:   []string{"-ginkgo.no-color", "-ginkgo.label-filter=leak"},
		output: []string{outlived(1, "type names keeps a Conn"), `ginkgonames\.Conn`, `Ran 1 of 6 Specs`},
	}}},

	{pkg: "goroutinereports", runs: []fixtureRun{{
		name: "thousands of goroutines", run: "ThousandsOfGoroutines$", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestLeakThousandsOfGoroutines": {
				`\n\s+300 goroutines still running:\n` +
					`\s+300 goroutines \[chan receive\], ids \d+, \d+, \d+, \d+, \d+ and 295 more:\n` +
					`\s+goroutinereports\.blockOn \(goroutinereports/goroutinereports_test\.go:\d+\)\n` +
					`\s+created by goroutinereports\.TestLeakThousandsOfGoroutines \(goroutinereports/goroutinereports_test\.go:\d+\) in goroutine \d+\n` +
					`\s*\n\s+verdict: `,
			},
		},
		absent: []string{"goroutine:\n", "ids unknown"},
	}, {
		name: "parallel tests with one stack", run: "SharedStack", count: 5, procs: 4, exit: 1,
		tests: map[string][]string{
			"TestSharedStack/leak_three": {`\n\s+3 goroutines \[chan receive\], ids \d+, \d+, \d+:\n\s+goroutinereports\.blockOn \([^)]*\)\n\s+created by goroutinereports\.startEach \([^)]*\) in goroutine \d+\n`},
			"TestSharedStack/leak_five":  {`\n\s+5 goroutines \[chan receive\], ids \d+, \d+, \d+, \d+, \d+:\n`},
			"TestSharedStackOfEndedStarters/leak_three": {
				`\n\s+3 goroutines still running:\n\s+3 goroutines \[chan receive\], ids unknown:\n` +
					`\s+goroutinereports\.blockOn \([^)]*\)\n\s+created by goroutinereports\.startEach \([^)]*\)\n` +
					`\s+\(ids unknown: goroutines of other tests have the same stack; GODEBUG=tracebacklabels=1 tells them apart\)\n`,
			},
			"TestSharedStackOfEndedStarters/leak_five": {`\n\s+5 goroutines \[chan receive\], ids unknown:\n`},
		},
		absent: []string{"goroutine:\n"},
	}, {
		// GODEBUG=tracebacklabels=1 puts goroutines' labels in the
		// runtime's traceback: a verdict names each of its goroutines by
		// id even when goroutines of another test have the same stack
		// and the goroutines that started them have ended.
		name: "labels in the traceback", run: "^TestSharedStackOfEndedStarters$", count: 20, exit: 1,
		env: []string{"GODEBUG=tracebacklabels=1"},
		tests: map[string][]string{
			"TestSharedStackOfEndedStarters/leak_three": {`\n\s+3 goroutines \[chan receive\], ids \d+, \d+, \d+:\n\s+goroutinereports\.blockOn \([^)]*\)\n\s+created by goroutinereports\.startEach \([^)]*\) in goroutine \d+\n`},
			"TestSharedStackOfEndedStarters/leak_five":  {`\n\s+5 goroutines \[chan receive\], ids \d+, \d+, \d+, \d+, \d+:\n`},
		},
		absent: []string{"ids unknown", "labels:{"},
	}, {
		name: "clean, labels in the traceback", run: "^TestCleanSharedStack", count: 20, exit: 0,
		env: []string{"GODEBUG=tracebacklabels=1"},
	}, {
		name: "a creation site ten calls deep", run: "DeepSite$", count: 20, exit: 1,
		tests: map[string][]string{
			"TestLeakDeepSite": {
				outlived(1, "TestLeakDeepSite"),
				`\s+deeplib\.open \(deeplib/deeplib\.go:\d+\)\n\s+\.\.\. 4 more frames\n` +
					`\s+goroutinereports\.TestLeakDeepSite \(goroutinereports/goroutinereports_test\.go:\d+\)\n\s+serials: `,
			},
		},
	}, {
		name: "clean", run: "^TestClean", count: 20, exit: 0,
	}}},

	{pkg: "goroutinesmain", runs: []fixtureRun{{
		name: "left for TestMain", run: "^TestMainLeak", count: 1, procs: 20, exit: 1,
		stderr: []string{
			`(?m)^leakcheck: no tracked object outlived TestMain, but goroutines did\n\n301 goroutines still running:\n` +
				`  300 goroutines \[chan receive\], ids \d+, \d+, \d+, \d+, \d+ and 295 more:\n` +
				`      goroutinesmain\.blockOn \(goroutinesmain/goroutinesmain_test\.go:\d+\)\n` +
				`      created by goroutinesmain\.TestMainLeakGoroutines \(goroutinesmain/goroutinesmain_test\.go:\d+\) in goroutine \d+\n` +
				`  goroutine \d+ \[select\]:\n` +
				`      goroutinesmain\.serve \(goroutinesmain/goroutinesmain_test\.go:\d+\)\n` +
				`      created by goroutinesmain\.TestMainLeakGoroutines \(goroutinesmain/goroutinesmain_test\.go:\d+\) in goroutine \d+\n\n` +
				`verdict: `,
		},
	}, {
		name: "clean", run: "^TestClean", count: 1, procs: 20, exit: 0,
	}}},

	{pkg: "other", runs: []fixtureRun{{
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
