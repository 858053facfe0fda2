package leakcheck_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/typename"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestCheckPassesWhenObjectsAreFreed(t *testing.T) {
	ft := newFakeT("TestClean")
	leakcheck.Check(ft)
	for i := range 100 {
		dial("10.0.0." + string(rune('0'+i%10)))
	}
	ft.finish()
	assert.False(t, ft.Failed(), ft.errorText())
}

func TestCheckIgnoresObjectsMadeBefore(t *testing.T) {
	old := dial("before")
	ft := newFakeT("TestBefore")
	leakcheck.Check(ft)
	ft.finish()
	assert.False(t, ft.Failed(), ft.errorText())
	keepAlive(old)
}

func TestCheckWaitsForTheTestsOwnCleanups(t *testing.T) {
	// A cleanup registered after Check runs before the verdict and drops
	// the last reference: no leak.
	ft := newFakeT("TestCleanupOrder")
	leakcheck.Check(ft)
	c := dial("x")
	ft.Cleanup(func() { keepAlive(c) })
	ft.finish()
	assert.False(t, ft.Failed(), ft.errorText())
}

// A real test: package testing keeps cleanups that already ran in its
// slice; the verdict must still see their objects freed.
func TestCheckWithRealCleanups(t *testing.T) {
	var inner *testing.T
	t.Run("inner", func(t *testing.T) {
		inner = t
		leakcheck.Check(t)
		for range 5 {
			c := dial("y")
			t.Cleanup(func() { keepAlive(c) })
		}
	})
	assert.False(t, inner.Failed())
}

func TestCheckTwiceFailsTheTest(t *testing.T) {
	ft := newFakeT("TestTwice")
	leakcheck.Check(ft)
	leakcheck.Check(ft)
	ft.finish()
	require.True(t, ft.Failed())
	assert.Contains(t, ft.errorText(), "leakcheck: Check called twice in TestTwice: call it once, at the top of the test")
}

func TestCheckNilPanics(t *testing.T) {
	assert.PanicsWithValue(t, "leakcheck: Check(nil): pass the test's *testing.T", func() { leakcheck.Check(nil) })
}

func TestCheckSkipsFailedTests(t *testing.T) {
	defer dropCache()
	ft := newFakeT("TestFailed")
	leakcheck.Check(ft)
	keep(dial("z"))
	ft.Errorf("the test itself failed")
	ft.finish()
	assert.Len(t, ft.errors, 1, "no leak report on top of the failure")
	assert.Empty(t, ft.logs, "nor any other noise")

	ft = newFakeT("TestFailedEvenSo")
	leakcheck.Check(ft, leakcheck.EvenIfFailed(), leakcheck.WithoutGoroutines())
	keep(dial("z"))
	ft.Errorf("the test itself failed")
	ft.finish()
	assert.Len(t, ft.errors, 2)
	assert.Contains(t, ft.errorText(), "1 tracked object outlived TestFailedEvenSo")
}

func TestAllowAndIgnore(t *testing.T) {
	defer dropCache()
	ft := newFakeT("TestPool")
	leakcheck.Check(ft,
		leakcheck.Allow("Conn", 2, "the pool keeps two connections"),
		leakcheck.IgnoreTypes("leakcheck_test.Session"),
		leakcheck.WithoutGoroutines())
	keep(dial("a"))
	keep(dial("b"))
	s := trackable.Track(&Session{})
	ft.finish()
	assert.False(t, ft.Failed(), ft.errorText())

	ft = newFakeT("TestPoolOverflow")
	leakcheck.Check(ft, leakcheck.Allow("Conn", 1, "one connection is enough"), leakcheck.WithoutGoroutines())
	keep(dial("c"))
	keep(dial("d"))
	ft.finish()
	require.True(t, ft.Failed())
	text := ft.errorText()
	assert.Contains(t, text, "2 tracked objects outlived TestPoolOverflow")
	assert.Contains(t, text, "allowed:\n  github.com/objtrack/objtrack/leakcheck_test.Conn: 2 live, up to 1 allowed: one connection is enough")
	keepAlive(s)
}

// A name of a type of the program that no survivor has changes nothing,
// whether or not the type can be tracked; and a report that fails says
// which names matched none of its survivors.
func TestTypeNamesApplyToTheSurvivors(t *testing.T) {
	ft := newFakeT("TestNoSessionHere")
	leakcheck.Check(ft, leakcheck.IgnoreTypes("Session", "bytes.Buffer"), leakcheck.Allow("leakcheck_test.Session", 1, ""), leakcheck.WithoutGoroutines())
	dial("dropped")
	ft.finish()
	assert.False(t, ft.Failed(), ft.errorText())

	defer dropCache()
	ft = newFakeT("TestIgnoresSessions")
	leakcheck.Check(ft, leakcheck.IgnoreTypes("Session"), leakcheck.WithoutGoroutines())
	keep(dial("kept"))
	ft.finish()
	require.True(t, ft.Failed(), "ignoring a type hides no other")
	assert.Contains(t, ft.errorText(), "1 tracked object outlived TestIgnoresSessions")
	assert.Contains(t, ft.errorText(), `option IgnoreTypes("Session") matched none of these types`)
}

// A name that names no type of the program fails the verdict at once,
// whatever was tracked, with the close names that the program has; the
// verdict still judges the objects, and a test that failed already gets
// the message too.
func TestMisspeltTypeNamesFailTheVerdict(t *testing.T) {
	if !typename.Listed {
		// Built with objtrack_nolinkname: no name is known to be wrong.
		ft := newFakeT("TestTypoUnseen")
		leakcheck.Check(ft, leakcheck.IgnoreTypes("Sesion"), leakcheck.WithoutGoroutines())
		ft.finish()
		assert.False(t, ft.Failed(), ft.errorText())
		return
	}
	ft := newFakeT("TestTypoAlone")
	leakcheck.Check(ft, leakcheck.IgnoreTypes("Sesion"), leakcheck.Allow("leakcheck_test.Conm", 1, ""), leakcheck.WithoutGoroutines())
	ft.finish()
	require.True(t, ft.Failed(), "a name that names no type must fail the verdict")
	assert.Equal(t, []string{
		`leakcheck: option IgnoreTypes("Sesion") names no type of the program; did you mean "leakcheck_test.Session"?`,
		`leakcheck: option Allow("leakcheck_test.Conm") names no type of the program; did you mean "leakcheck_test.Conn"?`,
	}, ft.errors)

	ft = newFakeT("TestNothingClose")
	leakcheck.Check(ft, leakcheck.Allow("NoSuchTypeAnywhereAtAll", 1, ""), leakcheck.WithoutGoroutines())
	ft.finish()
	assert.Equal(t, []string{
		`leakcheck: option Allow("NoSuchTypeAnywhereAtAll") names no type of the program; name a type that the program has, as "Conn", "db.Conn" or "example.com/db.Conn" (the linker leaves out a type that no code of the program uses)`,
	}, ft.errors)

	defer dropCache()
	ft = newFakeT("TestTypoAndLeak")
	leakcheck.Check(ft, leakcheck.IgnoreTypes("Conm"), leakcheck.WithoutGoroutines())
	keep(dial("kept"))
	ft.finish()
	require.Len(t, ft.errors, 2, "a typo must not hide a leak")
	assert.Contains(t, ft.errors[0], `option IgnoreTypes("Conm") names no type of the program; did you mean "deeplib.Conn" or "leakcheck_test.Conn"?`)
	assert.Contains(t, ft.errors[1], "1 tracked object outlived TestTypoAndLeak")
	assert.Contains(t, ft.errors[1], `option IgnoreTypes("Conm") matched none of these types`)

	ft = newFakeT("TestFailedWithATypo")
	leakcheck.Check(ft, leakcheck.Allow("Conm", 1, ""))
	ft.Errorf("the test itself failed")
	ft.finish()
	require.Len(t, ft.errors, 2)
	assert.Contains(t, ft.errors[1], `option Allow("Conm") names no type of the program`)

	_, err := leakcheck.Find(leakcheck.IgnoreTypes("Conm"), leakcheck.WithoutGoroutines())
	assert.EqualError(t, err, `leakcheck: option IgnoreTypes("Conm") names no type of the program; did you mean "deeplib.Conn" or "leakcheck_test.Conn"?`)
}

func TestBadOptionsPanic(t *testing.T) {
	assert.PanicsWithValue(t, `leakcheck: Allow("Conn", -1, ...): the allowance must be 0 or more`,
		func() { leakcheck.Allow("Conn", -1, "") })
	assert.PanicsWithValue(t, `leakcheck: Allow("", ...): name a tracked type, such as "Conn" or "db.Conn"`,
		func() { leakcheck.Allow("", 1, "") })
	assert.PanicsWithValue(t, `leakcheck: IgnoreTypes(""): name a tracked type, such as "Conn" or "db.Conn"`,
		func() { leakcheck.IgnoreTypes("") })
	assert.PanicsWithValue(t, `leakcheck: Budget(0s): the budget must be positive`,
		func() { leakcheck.Budget(0) })
	assert.PanicsWithValue(t, `leakcheck: MaxShown(0): show at least 1`,
		func() { leakcheck.MaxShown(0) })
	assert.PanicsWithValue(t, `leakcheck: nil Option: pass options made by the leakcheck package, such as leakcheck.IgnoreTypes("Conn")`,
		func() { leakcheck.Check(newFakeT("x"), nil) })
}

func TestCheckReportsGoroutinesTheTestStarted(t *testing.T) {
	ft := newFakeT("TestGoroutine")
	leakcheck.Check(ft)
	stop := make(chan struct{})
	go func() { <-stop }()
	ft.finish()
	close(stop)
	require.True(t, ft.Failed())
	text := ft.errorText()
	assert.Contains(t, text, "no tracked object outlived TestGoroutine, but goroutines did")
	assert.Contains(t, text, "1 goroutine still running:")
	assert.Contains(t, text, "leakcheck_test.TestCheckReportsGoroutinesTheTestStarted.func1 (leakcheck/check_test.go:")
}

func TestCheckJSONReport(t *testing.T) {
	defer dropCache()
	require.NoError(t, flag.Set("test.artifacts", "true"))
	defer func() { require.NoError(t, flag.Set("test.artifacts", "false")) }()
	ft := &artifactT{fakeT: newFakeT("TestArtifact"), dir: t.TempDir()}
	leakcheck.Check(ft, leakcheck.WithoutGoroutines())
	keep(dial("json"))
	ft.finish()
	require.True(t, ft.Failed())
	assert.Contains(t, ft.errorText(), "JSON report: "+ft.dir+"/leakcheck-report.json")
	data, err := os.ReadFile(filepath.Join(ft.dir, "leakcheck-report.json"))
	require.NoError(t, err)
	assert.Contains(t, string(data), `"scope": "TestArtifact"`)
}

func TestCheckWritesNoArtifactWithoutTheFlag(t *testing.T) {
	defer dropCache()
	ft := &artifactT{fakeT: newFakeT("TestNoArtifact"), dir: t.TempDir()}
	leakcheck.Check(ft, leakcheck.WithoutGoroutines())
	keep(dial("json"))
	ft.finish()
	require.True(t, ft.Failed())
	assert.NotContains(t, ft.errorText(), "JSON report")
}

type artifactT struct {
	*fakeT
	dir string
}

func (a *artifactT) ArtifactDir() string { return a.dir }

// liveHeld holds what TestLiveListsObjectsWithSitesAndHolders keeps.
var liveHeld []*Conn

func TestLiveListsObjectsWithSitesAndHolders(t *testing.T) {
	defer dropCache()
	ft := newFakeT("TestLive")
	leakcheck.Check(ft, leakcheck.WithoutGoroutines())
	c := dial("recorded")
	liveHeld = append(liveHeld, c)
	defer func() { liveHeld = nil }()
	rep := leakcheck.Live(reflect.TypeFor[*Conn]()) // a pointer type names its element
	assert.Equal(t, "github.com/objtrack/objtrack/leakcheck_test.Conn", rep.Name)
	var found *leakcheck.Site
	for i, s := range rep.Sites {
		if slices.Contains(s.Serials, c.TrackerSerial()) {
			found = &rep.Sites[i]
		}
	}
	require.NotNil(t, found, "%+v", rep)
	assert.Contains(t, found.Bundles, "recorded")
	require.NotEmpty(t, found.Frames)
	assert.Equal(t, "github.com/objtrack/objtrack/leakcheck_test.dial", found.Frames[0].Function)
	text := rep.String()
	assert.Regexp(t, `^github\.com/objtrack/objtrack/leakcheck_test\.Conn: \d+ live\n`, text)
	assert.Regexp(t, `held by:\n\s+global  leakcheck_test\.liveHeld\[\d+\]\n\s+-> \*leakcheck_test\.Conn  serial `+fmt.Sprint(c.TrackerSerial())+`\n`, text)
	ft.finish()
	none := leakcheck.Live(reflect.TypeFor[struct{ X int }]())
	assert.Zero(t, none.Count)
	assert.Equal(t, "struct { X int }: 0 live\n", none.String())
	assert.PanicsWithValue(t, "leakcheck: Live(nil): pass the type of a tracked object, as reflect.TypeFor[db.Conn]()", func() { leakcheck.Live(nil) })
}

type stuck struct {
	trackable.Trackable
}

func waitFor(ch chan struct{}) { <-ch }

// A cleanup that never returns ends the verdict with a clear error once
// the budget is spent, instead of hanging the test.
func TestBlockedCleanupEndsTheVerdictWithAnError(t *testing.T) {
	release := make(chan struct{})
	ft := newFakeT("TestBlocked")
	leakcheck.Check(ft, leakcheck.Budget(300*time.Millisecond), leakcheck.WithoutGoroutines())
	func() {
		s := trackable.Track(&stuck{})
		runtime.AddCleanup(s, waitFor, release)
	}()
	ft.finish()
	close(release)
	require.True(t, ft.Failed())
	assert.Contains(t, ft.errorText(), "leakcheck: cannot judge TestBlocked: the garbage collector did not settle: gave up after")
	assert.Contains(t, ft.errorText(), "one of them is probably blocked")
}

// Check clears the cleanups that package testing keeps after running
// them, in unexported fields: if a Go release moves them, this fails.
func TestTestingKeepsItsCleanupsWhereLeakcheckLooks(t *testing.T) {
	require.True(t, leakcheck.TestingFieldsFound(),
		"package testing no longer has the fields cleanups []func() and sub []*T: update testingslots.go")
}

func TestTestingKeepsItsParentWhereLeakcheckLooks(t *testing.T) {
	t.Run("sub", func(sub *testing.T) {
		require.Same(sub, t, leakcheck.ParentTest(sub),
			"package testing no longer keeps a subtest's parent in the field parent *common at the start of testing.T: update parentTest in testingslots.go (testify suites depend on it)")
	})
}

// Objects captured by the closures of many cleanups, and by the cleanups
// of parallel subtests, are freed by the time of the verdict.
func TestCheckSeesObjectsReleasedByCleanupsFreed(t *testing.T) {
	var inner *testing.T
	t.Run("inner", func(t *testing.T) {
		inner = t
		leakcheck.Check(t)
		for range 600 {
			c := dial("cleanup")
			t.Cleanup(func() { keepAlive(c) })
		}
		for range 3 {
			t.Run("parallel", func(t *testing.T) {
				t.Parallel()
				c := dial("subtest cleanup")
				t.Cleanup(func() { keepAlive(c) })
			})
		}
	})
	assert.False(t, inner.Failed())
}

// A judged test keeps no memory but its entry in the owner table (8
// bytes).
func TestAJudgedTestKeepsAlmostNoMemory(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	run := func(n int) {
		for range n {
			ft := newFakeT("TestSmall")
			leakcheck.Check(ft, leakcheck.WithoutGoroutines())
			ft.finish()
		}
	}
	run(100) // warm up: the first table chunk
	const n = 20000
	before := heap()
	run(n)
	after := heap()
	perTest := (int64(after) - int64(before)) / n
	assert.LessOrEqual(t, perTest, int64(32), "each judged test keeps %d bytes", perTest)
}

// A bundle that holds a newline cannot forge a line of the text report.
func TestBundlesCannotForgeReportLines(t *testing.T) {
	defer dropCache()
	ft := newFakeT("TestForged")
	leakcheck.Check(ft, leakcheck.WithoutGoroutines())
	c := dial("x")
	c.SetDataBundle("db:5432\ngithub.com/evil.Conn: 0 live")
	keep(c)
	ft.finish()
	require.True(t, ft.Failed())
	assert.Contains(t, ft.errorText(), `bundles: "db:5432\ngithub.com/evil.Conn: 0 live"`)
	assert.NotContains(t, ft.errorText(), "\ngithub.com/evil.Conn")
}
