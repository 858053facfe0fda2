// Package goroutinelabels pins that with GODEBUG=tracebacklabels=1,
// which puts goroutines' labels in the runtime's traceback, a verdict
// names each of its goroutines by id even when goroutines of another
// test have the same stack and nothing else tells them apart: the
// goroutines that started them have ended.
package goroutinelabels

import (
	"os"
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

// TestMain runs the tests as `GODEBUG=tracebacklabels=1 go test` would:
// the runtime reads GODEBUG again when it changes.
func TestMain(m *testing.M) {
	os.Setenv("GODEBUG", "tracebacklabels=1")
	os.Exit(m.Run())
}

func blockOn(started *sync.WaitGroup, release <-chan struct{}) {
	started.Done()
	<-release
}

// startAll starts n goroutines in blockOn and ends.
func startAll(n int, started *sync.WaitGroup, release <-chan struct{}) {
	for range n {
		go blockOn(started, release)
	}
}

var (
	blocked = regexp.MustCompile(`(?m)^goroutine \d+ \[chan receive[^\]]*\]:\ngithub.com/objtrack/objtrack/leakcheck/testdata/verdicts/goroutinelabels\.blockOn\(`)
	starter = regexp.MustCompile(`\ngithub.com/objtrack/objtrack/leakcheck/testdata/verdicts/goroutinelabels\.startAll\(`)
)

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

func TestSharedStackOfEndedStarters(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // after the subtests' verdicts
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
			go startAll(row.n, &started, release)
			started.Wait()
			both.Done()
			both.Wait()
			waitUntil(t, func(stacks string) bool {
				return len(blocked.FindAllStringIndex(stacks, -1)) == 8 && !starter.MatchString(stacks)
			})
		})
	}
}

func TestCleanSharedStackOfEndedStarters(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			leakcheck.Check(t)
			release := make(chan struct{})
			var started sync.WaitGroup
			started.Add(3)
			go startAll(3, &started, release)
			started.Wait()
			close(release)
			waitUntil(t, func(stacks string) bool { return !blocked.MatchString(stacks) && !starter.MatchString(stacks) })
		})
	}
}
