package leakcheck_test

import (
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// leakOnce runs a checked fake test that keeps one connection, and
// returns its report.
func leakOnce(t *testing.T, opts ...leakcheck.Option) string {
	t.Helper()
	ft := newFakeT("TestLeaky")
	leakcheck.Check(ft, append([]leakcheck.Option{leakcheck.WithoutGoroutines()}, opts...)...)
	defer dropCache()
	keep(dial("10.0.0.1"))
	ft.finish()
	require.True(t, ft.Failed(), "a leak must fail the test")
	return ft.errorText()
}

// Paths cost nothing on a verdict that passes: no heap dump is written.
func TestPassingVerdictWritesNoHeapDump(t *testing.T) {
	before := leakcheck.HeapDumps()
	for range 5 {
		ft := newFakeT("TestClean")
		leakcheck.Check(ft, leakcheck.WithoutGoroutines())
		dial("dropped")
		ft.finish()
		require.False(t, ft.Failed(), ft.errorText())
	}
	assert.Equal(t, before, leakcheck.HeapDumps())
}

func TestFailingVerdictNamesTheHolder(t *testing.T) {
	before := leakcheck.HeapDumps()
	text := leakOnce(t)
	assert.Regexp(t, `held by:\n\s+global  leakcheck_test\.cache\.conns\[\d+\]\n\s+-> \*leakcheck_test\.Conn  serial \d+`, text)
	assert.Equal(t, before+1, leakcheck.HeapDumps(), "one dump per failing verdict")
}

func TestWithoutPaths(t *testing.T) {
	before := leakcheck.HeapDumps()
	text := leakOnce(t, leakcheck.WithoutPaths())
	assert.NotContains(t, text, "held by:")
	assert.Equal(t, before, leakcheck.HeapDumps())
}

func TestPathsEnvTurnsPathsOff(t *testing.T) {
	for _, v := range []string{"off", "OFF", " Off ", "0", "false", "no"} {
		t.Setenv(leakcheck.PathsEnv, v)
		before := leakcheck.HeapDumps()
		assert.NotContains(t, leakOnce(t), "held by:", "%s=%q", leakcheck.PathsEnv, v)
		assert.Equal(t, before, leakcheck.HeapDumps())
	}
	t.Setenv(leakcheck.PathsEnv, "on")
	assert.Contains(t, leakOnce(t), "held by:")
}

// A heap over the limit is not dumped, and the report says why there is
// no path and how to get one.
func TestPathsHeapLimit(t *testing.T) {
	before := leakcheck.HeapDumps()
	text := leakOnce(t, leakcheck.PathsHeapLimit(1))
	assert.NotContains(t, text, "held by:")
	assert.Regexp(t, `retention paths: skipped: the live heap \([0-9.]+ MiB\) is over the limit \(0\.0 MiB\); raise it with leakcheck\.PathsHeapLimit`, text)
	assert.Equal(t, before, leakcheck.HeapDumps())
	assert.PanicsWithValue(t, "leakcheck: PathsHeapLimit(0): the limit must be positive; use WithoutPaths to turn paths off",
		func() { leakcheck.PathsHeapLimit(0) })
}

type panickyBundle struct{}

func (panickyBundle) String() string { panic("boom in String") }

// A bundle whose String panics is reported as such; the verdict, and the
// test binary, go on.
func TestPanickingBundleStringIsReported(t *testing.T) {
	ft := newFakeT("TestLeaky")
	leakcheck.Check(ft, leakcheck.WithoutGoroutines(), leakcheck.WithoutPaths())
	defer dropCache()
	c := &Conn{}
	c.SetDataBundle(panickyBundle{})
	keep(trackable.Track(c))
	ft.finish()
	require.True(t, ft.Failed())
	assert.Contains(t, ft.errorText(), `bundles: "<String panicked: boom in String>"`)
}

// parHeld holds one connection per concurrent verdict below, each at its
// own offset.
var parHeld [4]*Conn

// Verdicts that fail at once share heap dumps, and each still names its
// own survivor's holder: the element of parHeld it was kept in.
func TestConcurrentFailingVerdictsNameTheirOwnHolders(t *testing.T) {
	if !ancestry.Supported {
		// Checks of goroutines that no test of package testing runs are
		// told apart by their pprof labels only: without them, the four
		// verdicts share whichever check began last (see
		// internal/ancestry).
		t.Skip("concurrent checks outside package testing need goroutine ancestry, which the build without go:linkname lacks")
	}
	before := leakcheck.HeapDumps()
	texts := make([]string, len(parHeld))
	var wg sync.WaitGroup
	for i := range parHeld {
		wg.Go(func() {
			ft := newFakeT(fmt.Sprintf("TestPar%d", i))
			leakcheck.Check(ft, leakcheck.WithoutGoroutines())
			parHeld[i] = dial(fmt.Sprintf("par%d", i))
			ft.finish()
			texts[i] = ft.errorText()
		})
	}
	wg.Wait()
	defer func() { parHeld = [4]*Conn{} }()
	for i, text := range texts {
		root := fmt.Sprintf("global  leakcheck_test.parHeld[%d]", i)
		assert.Regexp(t, fmt.Sprintf(`outlived TestPar%d `, i), text)
		assert.Regexp(t, regexp.QuoteMeta(root)+`\n\s+-> \*leakcheck_test\.Conn  serial \d+\n`, text, "verdict %d", i)
	}
	dumps := leakcheck.HeapDumps() - before
	assert.True(t, dumps >= 1 && dumps <= int64(len(parHeld)), "%d dumps for %d verdicts", dumps, len(parHeld))
}
