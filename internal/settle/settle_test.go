package settle_test

import (
	"runtime"
	"strings"
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
	if res.Rounds > 2 {
		t.Errorf("a quiet heap settles in one round (two if a stray cleanup ran), took %d", res.Rounds)
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
}
