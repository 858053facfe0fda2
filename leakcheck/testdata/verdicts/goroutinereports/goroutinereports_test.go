// Package goroutinereports pins what a failing verdict says about the
// goroutines a test leaves running and about objects made deep inside a
// library: every goroutine entry has its ids (or says they are unknown,
// and how many), its state, its stack and its creation site; thousands
// of goroutines on one stack (hundreds here; the in-process tests leave
// ten thousand) are one entry of a few lines; and a
// creation site ten calls deep in another package still shows the test's
// line. What a leaking test leaves it releases in a cleanup registered
// before Check, which runs after the verdict: nothing leaks from one run
// to the next.
package goroutinereports

import (
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/leakcheck/testdata/deeplib"
)

// blockOn is a goroutine that a test leaves running: it says it has
// started, then waits for release.
func blockOn(started *sync.WaitGroup, release <-chan struct{}) {
	started.Done()
	<-release
}

// releasedAfterVerdict returns a channel closed when the test ends, after
// the verdict of the Check that follows.
func releasedAfterVerdict(t *testing.T) chan struct{} {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return release
}

// blocked matches a goroutine in blockOn, with or without the labels
// that GODEBUG=tracebacklabels=1 adds to its header.
var blocked = regexp.MustCompile(`(?m)^goroutine \d+ \[chan receive[^\]]*\]:\ngithub.com/objtrack/objtrack/leakcheck/testdata/verdicts/goroutinereports\.blockOn\(`)

// waitBlocked waits until n goroutines are blocked in blockOn.
func waitBlocked(t *testing.T, n int) {
	waitUntil(t, func(stacks string) bool { return len(blocked.FindAllStringIndex(stacks, -1)) >= n })
}

// waitUntil waits until the traceback of every goroutine satisfies ok,
// and fails the test if it does not after a hundred thousand looks.
func waitUntil(t *testing.T, ok func(stacks string) bool) {
	buf := make([]byte, 1<<20)
	for range 100000 {
		n := runtime.Stack(buf, true)
		if n == len(buf) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		if ok(string(buf[:n])) {
			return
		}
		runtime.Gosched()
	}
	t.Fatal("the goroutines never got there")
}

// many is how many goroutines the tests of thousands leave: far fewer
// than the in-process tests' ten thousand, so that twenty runs under the
// race detector take a few seconds. Grouping and the cap on ids hold the
// same from a few dozen on.
const many = 300

func TestLeakThousandsOfGoroutines(t *testing.T) {
	release := releasedAfterVerdict(t)
	leakcheck.Check(t)
	var started sync.WaitGroup
	started.Add(many)
	for range many {
		go blockOn(&started, release)
	}
	started.Wait()
	waitBlocked(t, many) // so that the verdict finds them in one state at one line
}

func TestCleanThousandsOfGoroutines(t *testing.T) {
	leakcheck.Check(t)
	release := make(chan struct{})
	var started, ended sync.WaitGroup
	started.Add(many)
	ended.Add(many)
	for range many {
		go func() {
			defer ended.Done()
			blockOn(&started, release)
		}()
	}
	started.Wait()
	close(release)
	ended.Wait()
}

// Parallel subtests leave goroutines with the same stack, started by the
// subtests' own goroutines: each report has its own, by id.
func TestSharedStack(t *testing.T) {
	sharedStack(t, startEach, func(string) bool { return true })
}

// The same, but the goroutine that started the leaked ones has ended:
// nothing says which goroutines are which subtest's, and each report
// says how many of its goroutines it cannot name, unless
// GODEBUG=tracebacklabels=1 puts the subtests' labels in the traceback.
func TestSharedStackOfEndedStarters(t *testing.T) {
	sharedStack(t, startAll, func(stacks string) bool { return !starter.MatchString(stacks) })
}

// The clean twins end their goroutines before the verdict.
func TestCleanSharedStack(t *testing.T)                { cleanSharedStack(t, startEach) }
func TestCleanSharedStackOfEndedStarters(t *testing.T) { cleanSharedStack(t, startAll) }

// A startFunc starts n goroutines in blockOn.
type startFunc func(n int, started *sync.WaitGroup, release <-chan struct{})

// startEach starts n goroutines in blockOn from the calling goroutine.
func startEach(n int, started *sync.WaitGroup, release <-chan struct{}) {
	for range n {
		go blockOn(started, release)
	}
}

// startAll starts a goroutine that starts n goroutines in blockOn and
// ends.
func startAll(n int, started *sync.WaitGroup, release <-chan struct{}) {
	go startEach(n, started, release)
}

var starter = regexp.MustCompile(`\ngithub.com/objtrack/objtrack/leakcheck/testdata/verdicts/goroutinereports\.startEach\(`)

// sharedStack runs two checked parallel subtests, leak_three and
// leak_five, that each leave goroutines blocked in blockOn, started by
// start, and meet before their verdicts, so that each verdict sees the
// other's goroutines, all blocked, and the stacks satisfy settled.
func sharedStack(t *testing.T, start startFunc, settled func(stacks string) bool) {
	release := releasedAfterVerdict(t)
	var both sync.WaitGroup
	both.Add(2)
	for _, row := range []struct {
		name string
		n    int
	}{{"leak_three", 3}, {"leak_five", 5}} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			leakcheck.Check(t)
			var started sync.WaitGroup
			started.Add(row.n)
			start(row.n, &started, release)
			started.Wait()
			both.Done()
			both.Wait()
			waitBlocked(t, 8)
			waitUntil(t, settled)
		})
	}
}

// cleanSharedStack runs two checked parallel subtests that each start
// three goroutines with start and release them, then wait until no
// goroutine of either is left, before their verdicts.
func cleanSharedStack(t *testing.T, start startFunc) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			leakcheck.Check(t)
			release := make(chan struct{})
			var started sync.WaitGroup
			started.Add(3)
			start(3, &started, release)
			started.Wait()
			close(release)
			waitUntil(t, func(stacks string) bool { return !blocked.MatchString(stacks) && !starter.MatchString(stacks) })
		})
	}
}

// An object made ten calls deep in another package: the report shows the
// line of this test after the library's frames.
func TestLeakDeepSite(t *testing.T) {
	t.Cleanup(deeplib.Drop)
	leakcheck.Check(t)
	deeplib.Query("10.0.0.3:5432")
}

func TestCleanDeepSite(t *testing.T) {
	leakcheck.Check(t)
	deeplib.Query("10.0.0.4:5432")
	deeplib.Drop()
}
