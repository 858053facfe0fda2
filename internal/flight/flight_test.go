package flight

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every caller gets the result of a call that started after it asked.
func TestDoReturnsAFreshResult(t *testing.T) {
	var g Group[int64]
	var calls atomic.Int64
	var clock atomic.Int64
	f := func() int64 {
		calls.Add(1)
		time.Sleep(time.Millisecond)
		return clock.Add(1) // the time the call ended
	}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			asked := clock.Load()
			if got := g.Do(f); got <= asked {
				t.Errorf("asked at %d, got the result of a call that ended at %d", asked, got)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n >= 64 {
		t.Errorf("64 callers made %d calls: none were shared", n)
	}
}

func TestDoSurvivesAPanic(t *testing.T) {
	var g Group[int]
	func() {
		defer func() { _ = recover() }()
		g.Do(func() int { panic("boom") })
	}()
	if got := g.Do(func() int { return 7 }); got != 7 {
		t.Errorf("after a panic: %d", got)
	}
}
