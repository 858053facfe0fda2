package settle

import (
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/objtrack/objtrack/internal/flight"
)

// round is what one shared collection found.
type round struct {
	ran     uint64 // cleanups and finalizers that ran during it
	drained bool   // every cleanup and finalizer it queued has run
	pending uint64 // if not drained: those still queued or running
	blocked bool   // a cleanup found blocked before is still blocked
}

// The collections of all callers: one at a time, and callers that ask
// while one runs share the next (see package flight).
var collections flight.Group[round]

// stuck is the number of cleanups and finalizers that a collection found
// blocked: later collections do not wait for them again, until they run.
// executedThen is the executed count when they were found. Only the
// caller running a collection touches them.
var stuck, executedThen uint64

// collect runs or joins a collection that starts after the call, and
// waits until every cleanup and finalizer it queued has run, or until
// the deadline (in nanotime) of the caller that runs it.
func collect(deadline int64) round {
	return collections.Do(func() round { return runRound(deadline) })
}

// runRound runs one collection and waits for what it queued.
func runRound(deadline int64) round {
	var s samples
	before := s.read()
	runtime.GC()
	target := s.read()
	var r round
	// The cleanups found blocked earlier: while none of them has run, wait
	// for the others only.
	if stuck > 0 {
		if target.executed >= executedThen+stuck {
			stuck = 0
		} else {
			r.blocked = true
		}
	}
	for spins := 0; ; spins++ {
		now := s.read()
		if now.executed+stuck >= target.queued {
			r.drained = true
			r.ran = now.executed - before.executed
			return r
		}
		// With few processors the runtime runs cleanups on one goroutine,
		// which a blocked cleanup holds: then nothing queued after it
		// runs. Waiting for it again would only spend the budget anew.
		stillBlocked := r.blocked && spins == 1000 && now.executed == executedThen
		if stillBlocked || nanotime() > deadline {
			r.pending = now.queued - now.executed
			r.ran = now.executed - before.executed
			if !stillBlocked {
				stuck, executedThen = now.queued-now.executed, now.executed
			}
			return r
		}
		// Cleanups of a few thousand objects take microseconds: yield to
		// them first, and sleep only when they take longer, which is
		// what a blocked cleanup does.
		if spins < 1000 {
			yield()
		} else {
			time.Sleep(min(time.Duration(spins-999)*10*time.Microsecond, time.Millisecond))
		}
	}
}

// samples reads the runtime's monotonic counts of queued and executed
// cleanups (runtime.AddCleanup) and finalizers (runtime.SetFinalizer).
type samples [4]metrics.Sample

type counts struct{ queued, executed uint64 }

func (s *samples) read() counts {
	if s[0].Name == "" {
		s[0].Name = "/gc/cleanups/queued:cleanups"
		s[1].Name = "/gc/cleanups/executed:cleanups"
		s[2].Name = "/gc/finalizers/queued:finalizers"
		s[3].Name = "/gc/finalizers/executed:finalizers"
	}
	metrics.Read(s[:])
	var c counts
	for i := range s {
		if s[i].Value.Kind() != metrics.KindUint64 {
			continue // unknown to this runtime: counts as zero
		}
		if i%2 == 0 {
			c.queued += s[i].Value.Uint64()
		} else {
			c.executed += s[i].Value.Uint64()
		}
	}
	return c
}
