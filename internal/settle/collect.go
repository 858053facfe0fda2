package settle

import (
	"runtime"
	"runtime/metrics"
	"sync"
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

// A collection is shared by the callers that ask for one while another
// runs (see package flight); each caller then waits for the cleanups it
// queued on its own, within its own budget.
var collections flight.Group[collected]

// collected is what a shared collection found: the counts of queued and
// executed cleanups and finalizers just before it and just after it.
type collected struct{ before, after counts }

// stuck is the number of cleanups and finalizers that a caller found
// blocked: later callers do not wait for them again, until they run.
// executedThen is the executed count when they were found.
var stuck struct {
	sync.Mutex
	n, executedThen uint64
}

// collect runs or joins a collection that starts after the call, and
// waits until every cleanup and finalizer it queued has run, or until
// deadline (in nanotime).
func collect(deadline int64) round {
	c := collections.Do(func() collected {
		var s samples
		before := s.read()
		runtime.GC()
		return collected{before, s.read()}
	})
	return drain(c, deadline)
}

// drain waits for the cleanups and finalizers that collection c queued.
func drain(c collected, deadline int64) round {
	var r round
	stuck.Lock()
	// The cleanups found blocked earlier: while none of them has run, wait
	// for the others only.
	if stuck.n > 0 && c.after.executed >= stuck.executedThen+stuck.n {
		stuck.n = 0
	}
	skip, executedThen := stuck.n, stuck.executedThen
	stuck.Unlock()
	r.blocked = skip > 0
	var s samples
	for spins := 0; ; spins++ {
		now := s.read()
		r.ran = now.executed - c.before.executed
		if now.executed+skip >= c.after.queued {
			r.drained = true
			return r
		}
		// With few processors the runtime runs cleanups on one goroutine,
		// which a blocked cleanup holds: then nothing queued after it
		// runs. Waiting for it again would only spend the budget anew.
		stillBlocked := r.blocked && spins == 1000 && now.executed == executedThen
		if stillBlocked || nanotime() > deadline {
			r.pending = now.queued - now.executed
			if !stillBlocked {
				stuck.Lock()
				stuck.n, stuck.executedThen = r.pending, now.executed
				stuck.Unlock()
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
