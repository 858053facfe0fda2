// Package settle brings the garbage collector to a fixed point: every
// object unreachable now is collected, and every cleanup and finalizer
// that this queued has run. It is the shared ground of every verdict in
// objtrack: counts read after Settle returns true are exact.
package settle

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"
)

// The runtime's monotonic counts of queued and executed cleanups
// (runtime.AddCleanup) and finalizers (runtime.SetFinalizer).
var sampleNames = [...]string{
	"/gc/cleanups/queued:cleanups",
	"/gc/cleanups/executed:cleanups",
	"/gc/finalizers/queued:finalizers",
	"/gc/finalizers/executed:finalizers",
}

// Result says how a Settle went.
type Result struct {
	// Rounds is the number of garbage collections run.
	Rounds int
	// Waited is the time Settle took.
	Waited time.Duration
	// Ran is the number of cleanups and finalizers that ran meanwhile.
	Ran uint64
	// Pending is the number of cleanups and finalizers still queued or
	// running when the budget ran out; 0 when settled.
	Pending uint64
	// Settled is true when a garbage collection queued nothing new and
	// every queued cleanup and finalizer had run: the fixed point.
	Settled bool
}

// Err describes a Settle that ran out of budget, or is nil.
func (r Result) Err() error {
	if r.Settled {
		return nil
	}
	if r.Pending > 0 {
		return fmt.Errorf("gave up after %v and %d garbage collections: %d cleanups or finalizers are still queued or running; one of them is probably blocked (a tracker that blocks in NotifyDestroyed, or a finalizer waiting on a lock)", r.Waited.Round(time.Millisecond), r.Rounds, r.Pending)
	}
	return fmt.Errorf("gave up after %v and %d garbage collections: every collection freed objects whose cleanups released more; something keeps allocating and dropping objects in the background", r.Waited.Round(time.Millisecond), r.Rounds)
}

// counts reads the runtime's queue counters: queued, executed.
type counts struct{ queued, executed uint64 }

func read(samples []metrics.Sample) counts {
	metrics.Read(samples)
	var c counts
	for i, s := range samples {
		if s.Value.Kind() != metrics.KindUint64 {
			continue // unknown to this runtime: counts as zero
		}
		if i%2 == 0 {
			c.queued += s.Value.Uint64()
		} else {
			c.executed += s.Value.Uint64()
		}
	}
	return c
}

// Settle runs garbage collections until one of them frees nothing that
// needs a cleanup or finalizer, waiting after each until the queues are
// drained. A cleanup can drop the last reference to another object, so a
// chain of n such objects takes n+1 rounds.
//
// Settle decides by the runtime's counters, never by elapsed time: budget
// only bounds the wait, so that a blocked cleanup ends in a result with
// Settled false rather than a hang.
func Settle(budget time.Duration) Result {
	return Until(budget, nil)
}

// Until is Settle with another notion of "nothing changed": it stops after
// the first round in which progress returned the same value as before the
// round (and the queues drained). Verdicts about some objects pass a
// progress that counts just those objects, so that other goroutines
// freeing unrelated objects cannot keep the collector from settling. A nil
// progress counts every cleanup and finalizer that ran.
func Until(budget time.Duration, progress func() uint64) Result {
	start := time.Now()
	deadline := start.Add(budget)
	samples := make([]metrics.Sample, len(sampleNames))
	for i, n := range sampleNames {
		samples[i].Name = n
	}
	first := read(samples)
	if progress == nil {
		progress = func() uint64 { return read(samples).executed }
	}
	var res Result
	for {
		before := progress()
		runtime.GC()
		res.Rounds++
		after, ok := drain(samples, deadline)
		res.Ran = after.executed - first.executed
		res.Waited = time.Since(start)
		if !ok {
			res.Pending = after.queued - after.executed
			return res
		}
		if progress() == before {
			// This collection queued nothing and nothing was left over
			// from before it: the heap is at a fixed point.
			res.Settled = true
			return res
		}
		if time.Now().After(deadline) {
			return res
		}
	}
}

// drain waits until every queued cleanup and finalizer has run, or the
// deadline passes. It polls with a back-off that starts by yielding and
// grows to a millisecond.
func drain(samples []metrics.Sample, deadline time.Time) (counts, bool) {
	pause := time.Duration(0)
	for {
		c := read(samples)
		if c.executed >= c.queued {
			return c, true
		}
		if time.Now().After(deadline) {
			return c, false
		}
		if pause == 0 {
			runtime.Gosched()
			pause = time.Microsecond
			continue
		}
		time.Sleep(pause)
		pause = min(2*pause, time.Millisecond)
	}
}
