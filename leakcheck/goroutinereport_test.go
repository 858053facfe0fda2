package leakcheck_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/leakcheck"
)

// leakGoroutines starts n goroutines blocked in blockOn until the test
// ends, and returns once they all are.
func leakGoroutines(t *testing.T, n int) {
	t.Helper()
	release := make(chan struct{})
	var started, ended sync.WaitGroup
	t.Cleanup(func() { close(release); ended.Wait() })
	started.Add(n)
	ended.Add(n)
	for range n {
		go func() {
			defer ended.Done()
			blockOn(&started, release)
		}()
	}
	started.Wait()
	waitBlocked(t, "github.com/objtrack/objtrack/leakcheck_test.blockOn", n)
}

// VerifyTestMain reports goleak's findings as Check reports its own: ten
// thousand goroutines on one stack are one entry, in the text and in the
// JSON report.
func TestVerifyTestMainReportsTenThousandGoroutinesInAFewLines(t *testing.T) {
	if testing.Short() {
		t.Skip("goleak reads ten thousand goroutines twenty times over: seconds")
	}
	const n = 10000
	path := filepath.Join(t.TempDir(), "report.json")
	code, out := verify(t, func() int {
		leakGoroutines(t, n)
		return 0
	}, leakcheck.ReportFile(path))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "\n10000 goroutines still running:\n")
	assert.Regexp(t, `\n  10000 goroutines \[chan receive\], ids \d+, \d+, \d+, \d+, \d+ and 9995 more:\n`+
		`      leakcheck_test.blockOn \(leakcheck/golden_goroutines_test.go:\d+\)\n`+
		`      leakcheck_test.leakGoroutines.func2 \(leakcheck/goroutinereport_test.go:\d+\)\n`+
		`      created by leakcheck_test.leakGoroutines \(leakcheck/goroutinereport_test.go:\d+\) in goroutine \d+\n`, out)
	lines := strings.Count(out, "\n")
	assert.LessOrEqual(t, lines, 12, out)
	assert.LessOrEqual(t, len(out), 1024, out)
	t.Logf("10000 goroutines: %d lines, %d bytes", lines, len(out))

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var rep leakcheck.Report
	require.NoError(t, json.Unmarshal(data, &rep))
	require.Len(t, rep.Goroutines, 1, "one entry for one stack")
	g := rep.Goroutines[0]
	assert.Equal(t, n, g.Count)
	assert.Equal(t, n, rep.GoroutineCount())
	assert.Len(t, g.IDs, 5, "as many as MaxShown lets a site list serials")
	assert.True(t, slices.IsSorted(g.IDs))
	assert.Equal(t, g.IDs[0], g.ID)
	assert.Equal(t, n-5, g.More)
	assert.Zero(t, g.Unknown)
	assert.Equal(t, "chan receive", g.State)
	require.NotEmpty(t, g.Frames)
	assert.Equal(t, "github.com/objtrack/objtrack/leakcheck_test.blockOn", g.Frames[0].Function)
	assert.Equal(t, "golden_goroutines_test.go", filepath.Base(g.Frames[0].File))
	require.NotNil(t, g.CreatedBy)
	assert.Equal(t, "github.com/objtrack/objtrack/leakcheck_test.leakGoroutines", g.CreatedBy.Function)
	assert.Positive(t, g.CreatedBy.Line)
	assert.Positive(t, g.CreatedIn)
	assert.Contains(t, g.Stack, "created by leakcheck_test.leakGoroutines")
	assert.Less(t, len(data), 16<<10, "the JSON report lists the first ids, not all of them")
}

// The JSON report keeps the names its fields had, and adds the new ones.
func TestGoroutineJSONFieldNames(t *testing.T) {
	data, err := json.Marshal(leakcheck.Goroutine{
		ID: 1, State: "chan receive", Stack: "x", Count: 3, IDs: []int{1}, More: 2, Unknown: 1,
		WaitMinutes: 4, Frames: []leakcheck.Frame{{Function: "f"}}, CreatedBy: &leakcheck.Frame{Function: "g"}, CreatedIn: 5,
	})
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(data, &fields))
	var names []string
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	assert.Equal(t, []string{"count", "created_by", "created_in", "frames", "id", "ids", "more", "stack", "state", "unknown_ids", "wait_minutes"}, names)
}

// Each way an entry can be written: one goroutine or many, ids known or
// not, a wait, and a stack known only as text.
func TestGoroutineEntriesAsText(t *testing.T) {
	worker := []leakcheck.Frame{{Function: "example.com/db.(*Pool).serve", File: "/src/db/pool.go", Line: 88}}
	by := &leakcheck.Frame{Function: "example.com/db.Open", File: "/src/db/pool.go", Line: 40}
	for _, c := range []struct {
		name string
		g    leakcheck.Goroutine
		want string
	}{{
		name: "one",
		g:    leakcheck.Goroutine{ID: 7, State: "chan receive", Count: 1, IDs: []int{7}, Frames: worker, CreatedBy: by, CreatedIn: 3},
		want: "1 goroutine still running:\n  goroutine 7 [chan receive]:\n      db.(*Pool).serve (db/pool.go:88)\n      created by db.Open (db/pool.go:40) in goroutine 3\n",
	}, {
		name: "one of unknown id, waiting",
		g:    leakcheck.Goroutine{State: "select", WaitMinutes: 3, Count: 1, More: 1, Unknown: 1, Frames: worker},
		want: "1 goroutine still running:\n  goroutine [select, 3 minutes], id unknown:\n      db.(*Pool).serve (db/pool.go:88)\n" +
			"  (ids unknown: goroutines of other tests have the same stack; GODEBUG=tracebacklabels=1 tells them apart)\n",
	}, {
		name: "many, some unknown, started by several",
		g:    leakcheck.Goroutine{ID: 4, State: "chan receive", WaitMinutes: 2, Count: 9, IDs: []int{4, 5}, More: 7, Unknown: 3, Frames: worker, CreatedBy: by},
		want: "9 goroutines still running:\n  9 goroutines [chan receive, up to 2 minutes], ids 4, 5 and 4 more, 3 unknown:\n      db.(*Pool).serve (db/pool.go:88)\n      created by db.Open (db/pool.go:40)\n",
	}, {
		name: "all listed, the rest unknown",
		g:    leakcheck.Goroutine{ID: 4, State: "chan receive", Count: 3, IDs: []int{4}, More: 2, Unknown: 2, Frames: worker},
		want: "  3 goroutines [chan receive], ids 4 and 2 unknown:\n",
	}, {
		name: "known only as text, from before Count",
		g:    leakcheck.Goroutine{ID: 9, State: "unknown", Stack: "found unexpected goroutines:\n[some wording]"},
		want: "1 goroutine still running:\n  goroutine 9 [unknown]:\n      found unexpected goroutines:\n      [some wording]\n",
	}, {
		name: "a creator without a location",
		g:    leakcheck.Goroutine{ID: 2, Count: 1, Frames: worker, CreatedBy: &leakcheck.Frame{Function: "example.com/db.Open"}},
		want: "  goroutine 2:\n      db.(*Pool).serve (db/pool.go:88)\n      created by db.Open\n",
	}} {
		t.Run(c.name, func(t *testing.T) {
			rep := &leakcheck.Report{Scope: "TestX", Goroutines: []leakcheck.Goroutine{c.g}}
			assert.True(t, rep.Leaked())
			assert.Contains(t, rep.String(), c.want)
		})
	}
}

// blockDeep blocks depth calls down, so that each depth is a stack of
// its own.
//
//go:noinline
func blockDeep(depth int, started *sync.WaitGroup, release <-chan struct{}) {
	if depth > 0 {
		blockDeep(depth-1, started, release)
		return
	}
	blockOn(started, release)
}

// Goroutines on more stacks than a text report lists: the largest
// entries are shown, the rest counted; the JSON report has them all.
func TestFindListsTheLargestStacksAndCountsTheRest(t *testing.T) {
	before := goleak.IgnoreCurrent()
	release := make(chan struct{})
	var started, ended sync.WaitGroup
	defer func() { close(release); ended.Wait() }()
	const stacks = 15
	for depth := range stacks {
		for range depth + 1 { // depth 14 has 15 goroutines, the most
			started.Add(1)
			ended.Add(1)
			go func() {
				defer ended.Done()
				blockDeep(depth, &started, release)
			}()
		}
	}
	started.Wait()
	waitBlocked(t, "github.com/objtrack/objtrack/leakcheck_test.blockOn", stacks*(stacks+1)/2)
	rep, err := leakcheck.Find(leakcheck.WithoutPaths(), leakcheck.GoroutineOptions(before))
	require.NoError(t, err)
	require.Len(t, rep.Goroutines, stacks, "one entry per stack, all in the data")
	for i, g := range rep.Goroutines {
		assert.Equal(t, stacks-i, g.Count, "the largest first")
	}
	text := rep.String()
	assert.Contains(t, text, "\n120 goroutines still running:\n")
	assert.Equal(t, 10, strings.Count(text, " goroutines [chan receive], ids "), "display.Stacks entries")
	assert.Regexp(t, `\n  15 goroutines \[chan receive\], ids \d+, \d+, \d+, \d+, \d+ and 10 more:\n`, text)
	assert.Contains(t, text, "\n  ... and 15 more on 5 other stacks\n", "1+2+3+4+5 goroutines on the 5 smallest")
	assert.Contains(t, text, "      ... 10 more frames\n", "a stack is cut as a creation site is")
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJSON(&buf))
	assert.Equal(t, stacks, strings.Count(buf.String(), `"created_by"`))
}

// MaxShown bounds the ids listed as it bounds serials.
func TestMaxShownBoundsGoroutineIDs(t *testing.T) {
	before := goleak.IgnoreCurrent()
	leakGoroutines(t, 7)
	rep, err := leakcheck.Find(leakcheck.WithoutPaths(), leakcheck.MaxShown(2), leakcheck.GoroutineOptions(before))
	require.NoError(t, err)
	require.Len(t, rep.Goroutines, 1)
	assert.Len(t, rep.Goroutines[0].IDs, 2)
	assert.Equal(t, 5, rep.Goroutines[0].More)
	assert.Regexp(t, regexp.MustCompile(fmt.Sprintf(`7 goroutines \[chan receive\], ids %d, \d+ and 5 more:`, rep.Goroutines[0].IDs[0])), rep.String())
}

// waitBlocked waits until n goroutines whose stack starts with function
// fn are blocked in a channel receive, so that a verdict finds them all
// in one state at one line, however loaded the machine. It fails the
// test if they are not, within a minute.
func waitBlocked(t *testing.T, fn string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	buf := make([]byte, 1<<20)
	for {
		size := runtime.Stack(buf, true)
		if size == len(buf) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		blocked := 0
		for _, g := range goroutines.Parse(string(buf[:size])) {
			if len(g.Functions) > 0 && g.Functions[0] == fn && g.State == "chan receive" {
				blocked++
			}
		}
		if blocked >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines blocked in %s, want %d", blocked, fn, n)
		}
		runtime.Gosched()
	}
}
