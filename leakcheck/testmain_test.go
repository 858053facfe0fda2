package leakcheck_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/typename"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// verify runs VerifyTestMain on run and returns the exit code and what it
// wrote to standard error.
func verify(t *testing.T, run func() int, opts ...leakcheck.Option) (int, string) {
	t.Helper()
	code := -1
	var out bytes.Buffer
	restore := leakcheck.ReplaceExit(&code, &out)
	defer restore()
	leakcheck.VerifyTestMain(fakeM(run), opts...)
	return code, out.String()
}

func TestVerifyTestMainPassesACleanRun(t *testing.T) {
	code, out := verify(t, func() int {
		for range 1000 {
			dial("clean")
		}
		return 0
	})
	assert.Equal(t, 0, code)
	assert.Empty(t, out)
}

func TestVerifyTestMainKeepsTheTestsExitCode(t *testing.T) {
	defer dropCache()
	var cleanupCode int
	code, out := verify(t, func() int {
		keep(dial("not judged: the tests failed"))
		return 3
	}, leakcheck.Cleanup(func(c int) { cleanupCode = c }))
	assert.Equal(t, 3, code)
	assert.Equal(t, 3, cleanupCode)
	// Not judged, and said so in one line: a leak of a test that passed
	// is not taken for judged.
	assert.Equal(t, notJudgedAfterFailure, out)
}

const notJudgedAfterFailure = "leakcheck: tests failed, so VerifyTestMain did not judge what outlived the run (objects that Check judged in the tests that passed were judged); leakcheck.EvenIfFailed() judges it anyway\n"

func TestVerifyTestMainNilPanics(t *testing.T) {
	assert.PanicsWithValue(t, "leakcheck: VerifyTestMain(nil): pass the *testing.M that TestMain receives",
		func() { leakcheck.VerifyTestMain(nil) })
}

func TestVerifyTestMainFailsOnceForGoroutinesAndObjects(t *testing.T) {
	defer dropCache()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	code, out := verify(t, func() int {
		c := dial("held by a goroutine")
		wg.Go(func() {
			<-stop
			runtime.KeepAlive(c)
		})
		return 0
	})
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "1 tracked object outlived TestMain")
	assert.Contains(t, out, "1 goroutine still running:")
	assert.Contains(t, out, "goroutines: checked with go.uber.org/goleak")
	assert.Equal(t, 1, bytes.Count([]byte(out), []byte("leakcheck:")), "one report")
}

// The run's type names are checked against the program's types: a name
// that nothing tracked in the run is no error, one that names no type
// fails the run, whatever the tests did.
func TestVerifyTestMainChecksTypeNames(t *testing.T) {
	code, out := verify(t, func() int { return 0 },
		leakcheck.Allow("Session", 5, "none made in this run"), leakcheck.IgnoreTypes("bytes.Buffer"), leakcheck.WithoutGoroutines())
	assert.Equal(t, 0, code)
	assert.Empty(t, out)

	code, out = verify(t, func() int { return 0 }, leakcheck.Allow("Sesion", 5, "typo"), leakcheck.WithoutGoroutines())
	if !typename.Listed {
		// Built with objtrack_nolinkname: no name is known to be wrong.
		assert.Equal(t, 0, code)
		assert.Empty(t, out)
		return
	}
	assert.Equal(t, 1, code)
	assert.Equal(t, `leakcheck: option Allow("Sesion") names no type of the program; did you mean "leakcheck_test.Session"?`+"\n", out)

	code, out = verify(t, func() int { return 3 }, leakcheck.IgnoreTypes("Conm"), leakcheck.WithoutGoroutines())
	assert.Equal(t, 3, code, "the tests' exit code is kept")
	assert.Equal(t, `leakcheck: option IgnoreTypes("Conm") names no type of the program; did you mean "deeplib.Conn" or "leakcheck_test.Conn"?`+"\n"+notJudgedAfterFailure, out)
}

func TestVerifyTestMainWritesJSON(t *testing.T) {
	defer dropCache()
	path := filepath.Join(t.TempDir(), "report.json")
	code, _ := verify(t, func() int {
		keep(dial("json"))
		return 0
	}, leakcheck.ReportFile(path), leakcheck.WithoutGoroutines())
	require.Equal(t, 1, code)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var rep leakcheck.Report
	require.NoError(t, json.Unmarshal(data, &rep))
	assert.Equal(t, "TestMain", rep.Scope)
	require.Len(t, rep.Leaks, 1)
	assert.Equal(t, "github.com/objtrack/objtrack/leakcheck_test.Conn", rep.Leaks[0].Name)
	assert.Equal(t, 1, rep.Leaks[0].Count)
	require.Len(t, rep.Leaks[0].Sites, 1)
	assert.Equal(t, []string{"json"}, rep.Leaks[0].Sites[0].Bundles, "encoded once")
	assert.Equal(t, "github.com/objtrack/objtrack/leakcheck_test.dial", rep.Leaks[0].Sites[0].Frames[0].Function)
	assert.Positive(t, rep.Settled.Rounds)
}

func TestVerifyTestMainReadsTheReportEnvironmentVariable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.json")
	t.Setenv(leakcheck.ReportFileEnv, path)
	code, _ := verify(t, func() int { return 0 }, leakcheck.WithoutGoroutines())
	assert.Equal(t, 0, code)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"leaks": null`)
}

func TestProductionTrackerKeepsCounting(t *testing.T) {
	prod := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(prod)
	defer trackable.SetGlobalTracker(prev)

	before := dial("made before the scope")
	code, _ := verify(t, func() int {
		assert.Same(t, prod, trackable.GlobalTracker(), "leakcheck installs no tracker")
		for range 10 {
			dial("made and dropped in the scope")
		}
		return 0
	})
	assert.Equal(t, 0, code)
	assert.Same(t, prod, trackable.GlobalTracker(), "the production tracker is still there")
	tc, err := prod.Snapshot().Lookup("Conn")
	require.NoError(t, err)
	assert.Equal(t, int64(1), tc.Live, "the production inventory saw every event")
	assert.Equal(t, int64(10), tc.Retired)
	keepAlive(before)
}

func TestFindReturnsTheVerdictAsData(t *testing.T) {
	defer dropCache()
	ft := newFakeT("TestFind")
	leakcheck.Check(ft, leakcheck.WithoutGoroutines())
	keep(dial("found"))
	rep, err := leakcheck.Find(leakcheck.WithoutGoroutines())
	require.NoError(t, err)
	assert.True(t, rep.Leaked())
	assert.Equal(t, 1, rep.Count())
	dropCache()
	ft.finish()
	assert.False(t, ft.Failed(), ft.errorText())
	rep, err = leakcheck.Find(leakcheck.WithoutGoroutines())
	require.NoError(t, err)
	assert.False(t, rep.Leaked(), rep.String())
	_, err = leakcheck.Find(leakcheck.Cleanup(func(int) {}))
	assert.ErrorContains(t, err, "the Cleanup option is for VerifyTestMain")
}

// Given a directory, each package's run keeps a report of its own, named
// after the package.
func TestVerifyTestMainKeepsOneReportPerPackage(t *testing.T) {
	defer dropCache()
	dir := t.TempDir() + "/reports/"
	code, _ := verify(t, func() int {
		keep(dial("json"))
		return 0
	}, leakcheck.ReportFile(dir), leakcheck.WithoutGoroutines())
	require.Equal(t, 1, code)
	data, err := os.ReadFile(filepath.Join(dir, "github.com_objtrack_objtrack_leakcheck.json"))
	require.NoError(t, err)
	var rep leakcheck.Report
	require.NoError(t, json.Unmarshal(data, &rep))
	assert.Equal(t, "github.com/objtrack/objtrack/leakcheck", rep.Package)
}

// forcedGCs reads the number of collections forced by runtime.GC.
func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// A run that tracks nothing, or whose objects are all freed already, is
// judged without a collection; objects tracked before VerifyTestMain
// began are not its to judge.
func TestVerifyTestMainWithNothingLiveForcesNoCollection(t *testing.T) {
	defer dropCache()
	keep(dial("made before the run")) // not judged by it
	before := forcedGCs()
	code, out := verify(t, func() int { return 0 }, leakcheck.WithoutGoroutines())
	assert.Equal(t, 0, code, out)
	assert.Zero(t, forcedGCs()-before, "collections forced")
}
