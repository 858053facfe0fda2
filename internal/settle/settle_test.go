package settle_test

import (
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
)

// link is one object of a chain; the cleanup of each holds the next.
type link struct {
	_ [16]byte
}

var freed atomic.Int64

// release is the cleanup of one link: its argument holds the next link,
// which becomes unreachable only once this cleanup has run.
func release(next *link) {
	freed.Add(1)
	_ = next
}

//go:noinline
func makeChain(n int) {
	var next *link
	for range n {
		l := &link{}
		runtime.AddCleanup(l, release, next)
		next = l
	}
}

func TestSettleFollowsAChainOfCleanups(t *testing.T) {
	settle.Settle(10 * time.Second) // start from a quiet heap
	freed.Store(0)
	const n = 100
	makeChain(n)
	res := settle.Settle(30 * time.Second)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if got := freed.Load(); got != n {
		t.Fatalf("freed %d links, want %d", got, n)
	}
	if res.Rounds < n {
		t.Errorf("a chain of %d needs at least %d rounds, took %d", n, n, res.Rounds)
	}
	if res.Ran < n {
		t.Errorf("Ran = %d, want at least %d", res.Ran, n)
	}
}

func TestSettleWithNothingToDo(t *testing.T) {
	settle.Settle(10 * time.Second)
	res := settle.Settle(10 * time.Second)
	if !res.Settled || res.Err() != nil || res.Pending != 0 {
		t.Fatalf("a quiet heap must settle: %+v", res)
	}
	if res.Rounds > 3 {
		t.Errorf("a quiet heap settles in two rounds (three if a stray cleanup ran), took %d", res.Rounds)
	}
}

func blockUntilClosed(unblock chan struct{}) { <-unblock }

//go:noinline
func makeBlocked(unblock chan struct{}) {
	p := &link{}
	runtime.AddCleanup(p, blockUntilClosed, unblock)
}

func TestSettleGivesUpOnABlockedCleanup(t *testing.T) {
	unblock := make(chan struct{})
	makeBlocked(unblock)
	defer func() {
		close(unblock)
		settle.Settle(10 * time.Second)
	}()
	res := settle.Settle(200 * time.Millisecond)
	if res.Settled {
		t.Fatal("a blocked cleanup must not settle")
	}
	if res.Pending == 0 {
		t.Errorf("Pending = 0, want the blocked cleanup counted")
	}
	err := res.Err()
	if err == nil || !strings.Contains(err.Error(), "still queued or running; one of them is probably blocked") {
		t.Fatalf("Err() = %v", err)
	}
	// A later call does not wait for the same blocked cleanup again: it
	// says so at once (with few processors, every cleanup queued after it
	// waits too, so nothing can be told).
	p := &link{}
	runtime.AddCleanup(p, func(int) {}, 0) // queued behind, where cleanups run on one goroutine
	p = nil
	again := settle.Settle(time.Minute)
	if !again.Blocked {
		t.Errorf("after a blocked cleanup: %+v; want Blocked", again)
	}
	if again.Waited > 10*time.Second {
		t.Errorf("the second call waited %v for the blocked cleanup", again.Waited)
	}
	if !again.Settled && !again.StillBlocked() {
		t.Errorf("%+v: neither settled nor still blocked", again)
	}
}

// forcedGCs reads the number of collections forced by runtime.GC.
func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestUntilForcesNoCollectionWhenNothingIsLive(t *testing.T) {
	before := forcedGCs()
	res := settle.Until(time.Minute, func() int { return 0 })
	if !res.Settled || res.Rounds != 0 {
		t.Errorf("Until with nothing live: %+v; want settled in 0 rounds", res)
	}
	if n := forcedGCs() - before; n != 0 {
		t.Errorf("%d collections forced, want 0", n)
	}
}

// counted is an object whose cleanup counts it freed.
type counted struct {
	_ [32]byte
}

var live atomic.Int64

func track(p *counted) *counted {
	live.Add(1)
	runtime.AddCleanup(p, func(struct{}) { live.Add(-1) }, struct{}{})
	return p
}

func TestUntilStopsAtTheFirstCollectionThatFreesEverything(t *testing.T) {
	settle.Settle(10 * time.Second)
	live.Store(0)
	makeGarbage(100)
	res := settle.Until(time.Minute, func() int { return int(live.Load()) })
	if !res.Settled || live.Load() != 0 {
		t.Fatalf("%+v, %d live", res, live.Load())
	}
	if res.Rounds != 1 {
		t.Errorf("took %d rounds, want 1", res.Rounds)
	}
}

//go:noinline
func makeGarbage(n int) {
	for range n {
		track(&counted{})
	}
}

var pool = sync.Pool{New: func() any { return track(&counted{}) }}

// A sync.Pool keeps its objects through one collection and drops them at
// the second: the count must reach 0, not be reported as survivors.
func TestUntilWaitsForASyncPool(t *testing.T) {
	for range 20 {
		settle.Settle(10 * time.Second)
		live.Store(0)
		putInPool()
		res := settle.Until(time.Minute, func() int { return int(live.Load()) })
		if !res.Settled || live.Load() != 0 {
			t.Fatalf("%+v, %d still live", res, live.Load())
		}
	}
}

//go:noinline
func putInPool() {
	var got []any
	for range 10 {
		got = append(got, pool.Get())
	}
	for _, p := range got {
		pool.Put(p)
	}
}

type holder struct {
	_    [32]byte
	held any
}

// An object held by an object with a finalizer is freed one round after
// the finalizer runs, and one held by a cleanup's argument one round
// after the cleanup runs: chains of them are followed to the end.
func TestUntilFollowsFinalizersAndCleanupArguments(t *testing.T) {
	const n = 6
	for range 5 {
		settle.Settle(10 * time.Second)
		live.Store(0)
		makeHeldChain(n)
		res := settle.Until(time.Minute, func() int { return int(live.Load()) })
		if !res.Settled || live.Load() != 0 {
			t.Fatalf("%+v, %d still live", res, live.Load())
		}
		if res.Rounds < n {
			t.Fatalf("a chain of %d holders freed in %d rounds: the fixture holds nothing", n, res.Rounds)
		}
	}
}

// makeHeldChain makes a counted object held at the end of a chain of n
// holders, each held by the next one's finalizer or cleanup argument.
//
//go:noinline
func makeHeldChain(n int) {
	var held any = track(&counted{})
	for i := range n {
		h := &holder{held: held}
		if i%2 == 0 {
			runtime.SetFinalizer(h, func(*holder) {})
			held = h
		} else {
			o := &holder{}
			runtime.AddCleanup(o, func(any) {}, any(h))
			held = o
		}
	}
}

// A count that stays above 0 is reported after a round that freed
// nothing and ran nothing, and one more: a few rounds, not the budget.
func TestUntilGivesUpOnSurvivorsQuickly(t *testing.T) {
	settle.Settle(10 * time.Second)
	res := settle.Until(time.Minute, func() int { return 1 })
	if !res.Settled {
		t.Fatalf("%+v", res)
	}
	if res.Rounds > 4 {
		t.Errorf("took %d rounds to give up on a survivor", res.Rounds)
	}
}

// Callers that need a collection at the same time share one.
func TestConcurrentCallersShareCollections(t *testing.T) {
	settle.Settle(10 * time.Second)
	before := forcedGCs()
	const callers = 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range callers {
		wg.Go(func() {
			<-start
			settle.Until(time.Minute, func() int { return 1 })
		})
	}
	close(start)
	wg.Wait()
	// Alone, each caller would force 2 or 3 collections.
	if n := forcedGCs() - before; n > callers {
		t.Errorf("%d callers forced %d collections; shared, they need far fewer", callers, n)
	}
}

var keptForOnce []*counted

func TestOnceRunsOneCollectionAndItsCleanups(t *testing.T) {
	settle.Settle(10 * time.Second)
	live.Store(0)
	count := func() int { return int(live.Load()) }
	if res := settle.Once(time.Minute, count); !res.Settled || res.Rounds != 0 {
		t.Errorf("Once with nothing live: %+v; want settled in 0 rounds", res)
	}
	makeGarbage(100)
	keptForOnce = []*counted{track(new(counted))}
	t.Cleanup(func() { keptForOnce = nil })
	before := forcedGCs()
	res := settle.Once(time.Minute, count)
	if !res.Settled || res.Rounds != 1 || forcedGCs()-before != 1 {
		t.Errorf("%+v after %d forced collections; want settled after 1", res, forcedGCs()-before)
	}
	if n := live.Load(); n != 1 {
		t.Errorf("%d live after Once, want 1: the one kept; the 100 dropped are freed and their cleanups ran", n)
	}
}
