// Package goroutinesmain pins what VerifyTestMain says about goroutines
// that the run leaves: hundreds of goroutines on one stack are one entry,
// with the first ids, the count of the others, the state, the stack and
// the creation site, and a goroutine of a stack of its own is an entry of
// its own. A run that leaves none passes.
package goroutinesmain

import (
	"sync"
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// never is never closed, and none is nil: the goroutines that wait for
// them outlive the run.
var (
	never = make(chan struct{})
	none  chan struct{}
)

func blockOn(started *sync.WaitGroup) {
	started.Done()
	<-never
}

func serve(started *sync.WaitGroup) {
	started.Done()
	select {
	case <-never:
	case <-none:
	}
}

func TestMainLeakGoroutines(t *testing.T) {
	var started sync.WaitGroup
	started.Add(301)
	for range 300 {
		go blockOn(&started)
	}
	go serve(&started)
	started.Wait()
}

func TestCleanGoroutines(t *testing.T) {
	release := make(chan struct{})
	var ended sync.WaitGroup
	ended.Add(300)
	for range 300 {
		go func() {
			defer ended.Done()
			<-release
		}()
	}
	close(release)
	ended.Wait()
}
