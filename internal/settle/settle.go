// Package settle brings the garbage collector to a fixed point: every
// object unreachable now is collected, and every cleanup and finalizer
// that this queued has run. It is the shared ground of every verdict in
// objtrack: counts read after a settled Result are exact.
//
// Collections are shared: verdicts that need one while another verdict's
// collection runs wait for the next one and share it (see collect), so
// parallel tests that end together cost few collections.
package settle

import (
	"fmt"
	"runtime"
	"time"
)

// Result says how settling went.
type Result struct {
	// Rounds is the number of garbage collections waited for.
	Rounds int
	// Waited is the time settling took.
	Waited time.Duration
	// Ran is the number of cleanups and finalizers that ran meanwhile.
	Ran uint64
	// Pending is the number of cleanups and finalizers still queued or
	// running when the budget ran out; 0 when settled.
	Pending uint64
	// Settled is true when the fixed point was reached.
	Settled bool
	// Blocked is true when a cleanup or finalizer that an earlier call
	// found blocked was still blocked: it was not waited for again. If
	// Settled is false too, the cleanups queued behind it could not run
	// (the runtime may run them all on one goroutine, which the blocked
	// one holds), and counts cannot be told.
	Blocked bool
	// FinalizerBlocked is true when this call found the finalizer
	// goroutine blocked in a finalizer: finalizers queued after it do
	// not run while it stays blocked.
	FinalizerBlocked bool
}

// StillBlocked reports whether settling stopped on a cleanup or finalizer
// that an earlier call found blocked and reported: the caller cannot
// tell what is freed, and should not report the same blocked cleanup
// again.
func (r Result) StillBlocked() bool { return !r.Settled && r.Blocked }

// Err describes a Result that did not settle, or is nil.
func (r Result) Err() error {
	if r.Settled {
		return nil
	}
	if r.StillBlocked() {
		return fmt.Errorf("a cleanup found blocked earlier still holds every goroutine that the runtime runs cleanups on (GOMAXPROCS/4 of them, at least one): no cleanup queued since has run (%d queued or running), so what was freed cannot be told", r.Pending)
	}
	if r.FinalizerBlocked {
		return fmt.Errorf("gave up after %v and %d garbage collections: the finalizer goroutine is blocked in a function given to runtime.SetFinalizer (%d finalizers and cleanups are queued or running); finalizers queued after it never run while it is blocked, so what they hold stays alive, and later verdicts do not wait for finalizers until it returns%s", r.Waited.Round(time.Millisecond), r.Rounds, r.Pending, blockedStack("runtime.runFinalizers"))
	}
	if r.Pending > 0 {
		return fmt.Errorf("gave up after %v and %d garbage collections: %d cleanups or finalizers are still queued or running; one of them is probably blocked (a tracker that blocks in NotifyDestroyed, a cleanup or finalizer waiting on a lock); later verdicts do not wait for it again%s", r.Waited.Round(time.Millisecond), r.Rounds, r.Pending, blockedStack("runtime.runCleanups"))
	}
	return fmt.Errorf("gave up after %v and %d garbage collections: every collection freed objects whose cleanups released more; something keeps allocating and dropping objects in the background", r.Waited.Round(time.Millisecond), r.Rounds)
}

// Budget bounds the wait for the garbage collector to settle before a
// verdict. Settling never depends on it: it only turns a cleanup that
// blocks forever into an error instead of a hang.
const Budget = 30 * time.Second

// maxIdleRounds bounds the collections that free none of the objects a
// caller waits for while other cleanups or finalizers keep running
// (parallel tests freeing their own objects). A chain of finalizers that
// holds the awaited objects frees them in at most one round per link;
// chains longer than this, with other work running all along, are taken
// for survivors.
const maxIdleRounds = 64

// Until collects garbage until live returns 0, or until the objects it
// counts stop being freed: after a collection in which nothing it counts
// was freed and no cleanup or finalizer ran at all, one more collection
// is run (a sync.Pool drops its objects at the second), and if that one
// frees nothing either, the objects that remain are survivors.
//
// Until forces no collection when live returns 0 at once. It decides by
// the runtime's counters, never by elapsed time: budget only bounds the
// wait for cleanups, so that a blocked cleanup ends in a Result with
// Settled false rather than a hang. A nil live settles the whole heap:
// it stops after two collections in a row in which nothing ran.
func Until(budget time.Duration, live func() int) Result {
	start := nanotime()
	deadline := start + int64(budget)
	var res Result
	quiet, idle := 0, 0
	// count reads the caller's count, 0 without one; none left is settled.
	count := func() (n int, none bool) {
		if live == nil {
			return 0, false
		}
		n = live()
		return n, n == 0
	}
	before, none := count()
	if none {
		res.Settled = true
		return res
	}
	for {
		r := collect(deadline)
		res.Rounds++
		res.Ran += r.ran
		res.Waited = time.Duration(nanotime() - start)
		res.Blocked = res.Blocked || r.blocked
		res.FinalizerBlocked = res.FinalizerBlocked || r.blockedFinalizer
		if !r.drained {
			res.Pending = r.pending
			return res
		}
		after, none := count()
		if none {
			res.Settled = true
			return res
		}
		switch {
		case after < before:
			quiet, idle = 0, 0
		case r.ran == 0:
			if quiet++; quiet == 2 {
				res.Settled = true
				return res
			}
		default:
			quiet = 0
			if idle++; idle == maxIdleRounds && live != nil {
				res.Settled = true
				return res
			}
		}
		before = after
		if nanotime() > deadline {
			return res
		}
	}
}

// Settle brings the whole heap to a fixed point: Until with no count of
// its own.
func Settle(budget time.Duration) Result { return Until(budget, nil) }

// yield lets the cleanup goroutines run while a caller waits for them.
func yield() { runtime.Gosched() }

// Once runs one collection and waits for the cleanups and finalizers it
// queued, as each round of Until does: for a caller that only wants to
// know what one collection frees, and judges what survives later. It
// forces no collection when live returns 0 at once. Settled is false only
// when the cleanups did not drain within budget.
func Once(budget time.Duration, live func() int) Result {
	start := nanotime()
	if live() == 0 {
		return Result{Settled: true}
	}
	r := collect(start + int64(budget))
	res := Result{Rounds: 1, Ran: r.ran, Waited: time.Duration(nanotime() - start), Blocked: r.blocked, FinalizerBlocked: r.blockedFinalizer, Settled: r.drained}
	if !r.drained {
		res.Pending = r.pending
	}
	return res
}
