package leakcheck_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/internal/testsupport/gotest"
	"github.com/objtrack/objtrack/leakcheck"
)

// heldBy maps each leaking test of testdata/paths/holders to what its
// report must say holds its object: the root, named as a user would look
// for it, then the objects in between, then the object itself.
var heldBy = map[string]string{
	"TestLeakHeldByGlobalMap":                   `global  holders\.registry\["db"\]\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldDeepInGlobalStruct":            `global  holders\.config\.Clusters\[0\]\.Replicas\[0\]\.Conns\[0\]\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByBlockedGoroutine":            `variable c of holders\.serve \(holders/holders_test\.go:\d+\), goroutine \d+ \[chan receive\], started by the test\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByAfterFunc":                   `a pending time\.AfterFunc timer, due in 59m\d+s: its function holders\.TestLeakHeldByAfterFunc\.func1 \(holders/holders_test\.go:\d+\) holds it in its captured variable c\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByIdleTimer":                   `a pending time\.AfterFunc timer, due in 59m\d+s: its function, the method value holders\.\(\*Conn\)\.Close, holds the receiver\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByContextDeadline":             `a context's pending deadline timer \(context\.WithTimeout or WithDeadline, not cancelled\), due in 59m\d+s: its function holds the context in its captured variable c: c\.cancelCtx\.Context\.\(\*context\.valueCtx\)\.val\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByCycleFromGlobal":             `global  holders\.ring\.next\.conn\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldBySyncMap":                     `global  holders\.conns\.Load\("cache"\)\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByInterfaceField":              `global  holders\.boxes\.items\[0\]\.\(holders\.session\)\.conn\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldThroughUnsafePointer":          `global  holders\.opaque\n\s+-> 24 B object \(type unknown: reached through an unsafe\.Pointer, which says nothing of what it points to\)\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByCgoHandle":                   `a cgo\.Handle that was never deleted \(cgo\.NewHandle keeps its value until Handle\.Delete\): global  cgo\.handles\.Load\(uintptr\(\d+\)\)\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByBlockedSend":                 `the value that goroutine \d+ \[chan send\] holders\.TestLeakHeldByBlockedSend\.func1 \(holders/holders_test\.go:\d+\) is blocked sending on a channel, started by the test\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByAtomicValue":                 `global  holders\.latest\.Load\(\)\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByAtomicPointer":               `global  holders\.current\.Load\(\)\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldBeyondSliceLength":             `global  holders\.idle\[:2\]\[1\]\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakByUnreadCapture":                   `global  holders\.hooks\.onReset\n\s+-> the closure holders\.TestLeakByUnreadCapture\.func1 \(holders/holders_test\.go:\d+\), by the captured word at \+\d+, which the DWARF does not name \(the compiler keeps no description of a captured variable the code does not read\)\n\s+-> \d+ B object\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByTimerBesideAKeptOne":         `a pending time\.AfterFunc timer, due in 59m\d+s: its function holders\.TestLeakHeldByTimerBesideAKeptOne\.func2 \(holders/holders_test\.go:\d+\) holds it in its captured variable c\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByGlobalBesideAFinalizer":      `global  holders\.kept\.c\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByMethodValue":                 `global  holders\.hooks\.onStop\n\s+-> the method value holders\.\(\*Conn\)\.Close, by its receiver\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByMapOfMaps":                   `global  holders\.byRegion\["eu"\]\["db"\]\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByPointerKey":                  `global  holders\.replicas\[\*holders\.Conn serial \d+\]\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByGenericInstance":             `global  holders\.boxed\.\(\*holders\.Box\[\*holders\.Conn\]\)\.item\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByDeferredClosure":             `variable c, captured by the closure holders\.TestLeakHeldByDeferredClosure\.func1\.1 \(holders/holders_test\.go:\d+\), in the frame of holders\.TestLeakHeldByDeferredClosure\.func1 \(holders/holders_test\.go:\d+\), goroutine \d+ \[chan receive\], found by scanning its stack, started by the test\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByChannelBuffer":               `global  holders\.queue \(in its buffer: 1st of 1 queued\)\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByInlinedCallsVariable":        `variable c of holders\.wait \(holders/holders_test\.go:\d+\), goroutine \d+ \[chan receive\], started by the test\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByLocalStruct":                 `variable s of holders\.TestLeakHeldByLocalStruct\.func1 \(holders/holders_test\.go:\d+\), goroutine \d+ \[chan receive\], started by the test\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByClosureInGlobal":             `global  holders\.hooks\.onClose\n\s+-> the closure holders\.TestLeakHeldByClosureInGlobal\.func1 \(holders/holders_test\.go:\d+\), by its variable c\n\s+-> \*holders\.Conn  serial \d+\n`,
	"TestLeakHeldByVariableCapturedByReference": `global  holders\.hooks\.onOpen\n\s+-> the closure holders\.TestLeakHeldByVariableCapturedByReference\.func1 \(holders/holders_test\.go:\d+\), by its variable c\n\s+-> \*holders\.Conn  serial \d+\n`,
}

// Every leak's report names what holds it, in every run and whatever the
// order: the test binary is built as go test -c builds it (with a symbol
// table), and each process (four seeds, one under make test) runs every
// test 3 times, shuffled.
func TestRetentionPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a fixture")
	}
	t.Parallel()
	dir := filepath.Join("testdata", "paths", "holders")
	bin := filepath.Join(t.TempDir(), "holders.test")
	require.NoError(t, gotest.Build(bin, "./"+filepath.ToSlash(dir)))
	t.Run("every run names each holder", func(t *testing.T) { everyRunNamesEachHolder(t, dir, bin) })
	t.Run("report", func(t *testing.T) { retentionPathsReport(t, dir, bin) })
	t.Run("dump kept as an artifact", func(t *testing.T) { dumpKeptAsAnArtifact(t, dir, bin) })
	t.Run("untyped by the environment", func(t *testing.T) { untypedByTheEnvironment(t, dir, bin) })
}

// OBJTRACK_LEAKCHECK_PATHS=untyped names the root, and lists the objects
// after it by size.
func untypedByTheEnvironment(t *testing.T, dir, bin string) {
	results, err := fixtureProcs.ExecAll(2*time.Minute, []gotest.Cmd{{
		Dir: dir, Prog: bin, Args: []string{"-test.run", "^TestLeakHeldByGlobalMap$"},
		Env: []string{leakcheck.PathsEnv + "=untyped"},
	}})
	require.NoError(t, err)
	out := results[0].Stdout
	assert.Equal(t, 1, results[0].Code, out)
	assert.Regexp(t, `held by:\n\s+global  holders\.registry\n\s+-> \d+ B object\n\s+-> \d+ B object\n\s+-> \*holders\.Conn  serial \d+\n`, out)
}

func everyRunNamesEachHolder(t *testing.T, dir, bin string) {
	seeds := gotest.Rounds(4, 1)
	var cmds []gotest.Cmd
	for seed := 1; seed <= seeds; seed++ {
		cmds = append(cmds, gotest.Cmd{Dir: dir, Prog: bin, Args: []string{"-test.v", "-test.count=3", fmt.Sprintf("-test.shuffle=%d", seed)}})
	}
	results, err := fixtureProcs.ExecAll(2*time.Minute, cmds)
	require.NoError(t, err)
	for i, res := range results {
		seed := i + 1
		assert.Equal(t, 1, res.Code, res.Stderr)
		outcomes := gotest.Outcomes(res.Stdout)
		for name, pattern := range heldBy {
			o := outcomes[name]
			assert.Equal(t, 3, o.Failed, "%s: fails in each of its 3 runs (seed %d)", name, seed)
			assert.Len(t, regexp.MustCompile(`held by:\n\s+`+pattern).FindAllString(o.Output, -1), 3,
				"%s (seed %d): each report names its holder; output:\n%s", name, seed, o.Output)
		}
		for _, name := range []string{"TestCleanGlobalMapCleared", "TestCleanCgoHandleDeleted"} {
			assert.Equal(t, 3, outcomes[name].Passed, "%s: a test that lets go of its holder passes (seed %d)", name, seed)
		}
	}
}

// reportTests are the tests of testdata/paths/holders whose reports,
// whole, are the golden paths_report.golden: every leak but
// TestLeakByUnreadCapture, whose text depends on -race.
const reportTests = "^TestLeakHeld"

// The text of the reports, whole, in the order the tests are written.
func retentionPathsReport(t *testing.T, dir, bin string) {
	res, err := gotest.Exec(2*time.Minute, dir, bin, "-test.run", reportTests)
	require.NoError(t, err)
	golden.Assert(t, "leakcheck/paths_report.golden", []byte(golden.NormalizeReport(res.Stdout)))
}

// Plain go test links without a symbol table; the verdict still names
// package-level variables (by rebuilding the test binary with one).
func TestRetentionPathsUnderPlainGoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	t.Parallel()
	code, out := gotest.Run(t, "-count=1", "-run", "^TestLeakHeldByGlobalMap$", "./testdata/paths/holders")
	assert.Equal(t, 1, code, out)
	assert.Regexp(t, `held by:\n\s+`+heldBy["TestLeakHeldByGlobalMap"], out)
	assert.NotContains(t, out, "globals are not named")
}

// goTestTrailer is what go test prints after a failed package's output:
// its coverage, its verdict and the run's.
var goTestTrailer = regexp.MustCompile(`(?m)^(coverage: .*|FAIL\t.*|FAIL)\n`)

// The reports read the same, typed paths and all, whatever flags go test
// builds with: the rebuild that names the variables builds as the
// running binary was built (-race, -trimpath, coverage in its mode, and
// -coverpkg of every package of the main module, which the binary's
// settings do not record). make test builds with -coverpkg; make
// test-long with each.
func TestRetentionPathsUnderBuildFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	t.Parallel()
	flags := [][]string{{"-coverpkg=github.com/objtrack/objtrack/..."}}
	if gotest.Long() {
		flags = append(flags, []string{"-race"}, []string{"-trimpath"}, []string{"-cover", "-covermode=count"})
	}
	for _, f := range flags {
		t.Run(strings.Join(f, " "), func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"-count=1"}, f...), "-run", reportTests, "./testdata/paths/holders")
			code, out := gotest.Run(t, args...)
			assert.Equal(t, 1, code, out)
			assert.NotContains(t, out, "not named")
			// The report, before the trailer that gotest.Exec does not
			// print, ends in the binary's own FAIL.
			report := goTestTrailer.ReplaceAllString(out, "") + "FAIL\n"
			golden.Assert(t, "leakcheck/paths_report.golden", []byte(golden.NormalizeReport(report)))
		})
	}
}

// VerifyTestMain's JSON report carries the paths, and survivors that
// share a holder show it once.
func TestRetentionPathsInTheJSONReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a fixture")
	}
	t.Parallel()
	dir := filepath.Join("testdata", "paths", "holdersmain")
	bin := filepath.Join(t.TempDir(), "holdersmain.test")
	require.NoError(t, gotest.Build(bin, "./"+filepath.ToSlash(dir)))
	for run := range gotest.Rounds(3, 1) {
		report := filepath.Join(t.TempDir(), "report.json")
		cmd := exec.Command(bin, "-test.shuffle=on")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), leakcheck.ReportFileEnv+"="+report)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "run %d must fail: %s", run, out)
		data, err := os.ReadFile(report)
		require.NoError(t, err)
		var rep leakcheck.Report
		require.NoError(t, json.Unmarshal(data, &rep))
		require.Len(t, rep.Leaks, 1)
		held := map[string][]uint64{}
		steps := map[string][]leakcheck.PathStep{}
		for _, site := range rep.Leaks[0].Sites {
			for _, p := range site.HeldBy {
				root := regexp.MustCompile(`goroutine \d+`).ReplaceAllString(p.Root, "goroutine N")
				held[root] = append(held[root], p.Serials...)
				for i := range p.Steps {
					p.Steps[i].Goroutine, p.Steps[i].Position = min(p.Steps[i].Goroutine, 1), regexp.MustCompile(`:\d+$`).ReplaceAllString(p.Steps[i].Position, ":N")
				}
				steps[root] = p.Steps
			}
		}
		// Each path's steps, as data.
		survivor := leakcheck.PathStep{Kind: "survivor", Type: "*holdersmain.Conn"}
		assert.Equal(t, []leakcheck.PathStep{{Kind: "global", Name: "holdersmain.pool"}, {Kind: "index", Key: "0, 1"}, survivor}, steps["global  holdersmain.pool[0, 1]"], "run %d", run)
		assert.Equal(t, []leakcheck.PathStep{
			{Kind: "global", Name: "holdersmain.hooks"}, {Kind: "index", Key: `"close"`},
			{Kind: "closure", Func: "holdersmain.TestMainLeakHeldByClosure.func1", Position: "holdersmain/holdersmain_test.go:N"},
			{Kind: "variable", Name: "c", Func: "holdersmain.TestMainLeakHeldByClosure.func1"}, survivor,
		}, steps[`global  holdersmain.hooks["close"]`], "run %d: %v", run, held)
		assert.Len(t, held["global  holdersmain.pool[0, 1]"], 2, "run %d: two survivors, one holder shown once, with their indexes: %v", run, held)
		var byGoroutine []uint64
		for root, serials := range held {
			if strings.HasPrefix(root, "variable c of holdersmain.wait (holdersmain/holdersmain_test.go:") && strings.HasSuffix(root, ", goroutine N [chan receive]") {
				byGoroutine = append(byGoroutine, serials...)
				assert.Equal(t, []leakcheck.PathStep{{Kind: "variable", Name: "c", Func: "holdersmain.wait", Position: "holdersmain/holdersmain_test.go:N", Goroutine: 1}, survivor}, steps[root], "run %d", run)
			}
		}
		assert.Len(t, byGoroutine, 1, "run %d: the goroutine's survivor: %v", run, held)
	}
}

// With go test -artifacts, the heap dump of a failing verdict is kept in
// the test's artifact directory, and the report says where.
func dumpKeptAsAnArtifact(t *testing.T, dir, bin string) {
	out := t.TempDir()
	res, err := gotest.Exec(2*time.Minute, dir, bin, "-test.run=^TestLeakHeldByGlobalMap$", "-test.artifacts", "-test.outputdir="+out)
	require.NoError(t, err)
	m := regexp.MustCompile(`retention paths: heap dump kept: (\S+)`).FindStringSubmatch(res.Stdout)
	require.NotNil(t, m, res.Stdout)
	assert.True(t, strings.HasPrefix(m[1], out), "%s is under the output directory %s", m[1], out)
	info, err := os.Stat(m[1])
	require.NoError(t, err)
	assert.Positive(t, info.Size())

	// Without -artifacts, the dump goes to a temporary file that is
	// removed: nothing is left in TMPDIR.
	tmp := t.TempDir()
	cmd := exec.Command(bin, "-test.run=^TestLeakHeldByGlobalMap$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	text, _ := cmd.CombinedOutput()
	assert.Contains(t, string(text), "held by:")
	assert.NotContains(t, string(text), "heap dump kept")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "files left in TMPDIR")
}
