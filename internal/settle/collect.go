package settle

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// round is what one shared collection found.
type round struct {
	ran     uint64 // cleanups and finalizers that ran during it
	drained bool   // every cleanup and finalizer it queued has run
	pending uint64 // if not drained: those still queued or running
	blocked bool   // a cleanup found blocked before is still blocked
}

// The collector runs one collection at a time for every caller. A caller
// needs a collection that starts after its call (one that started before
// may have marked its objects reachable); callers that arrive while a
// collection runs wait for the next one, and share it.
var collector struct {
	mu        sync.Mutex
	cond      *sync.Cond
	busy      bool
	started   uint64 // collections started
	completed uint64 // collections finished; the last one found last
	last      round
	// stuck is the number of cleanups and finalizers that a caller found
	// blocked: later collections do not wait for them again, until they
	// run. executedThen is the executed count when they were found.
	stuck, executedThen uint64
}

func init() { collector.cond = sync.NewCond(&collector.mu) }

// collect runs or joins a collection that starts after the call, and
// waits until every cleanup and finalizer it queued has run, or until
// the deadline (in nanotime).
func collect(deadline int64) round {
	c := &collector
	c.mu.Lock()
	defer c.mu.Unlock()
	want := c.started + 1
	for c.completed < want {
		if c.busy {
			c.cond.Wait()
			continue
		}
		c.busy = true
		c.started++
		n := c.started
		c.mu.Unlock()
		r := runRound(deadline)
		c.mu.Lock()
		c.busy = false
		c.completed, c.last = n, r
		c.cond.Broadcast()
	}
	return c.last
}

// runRound runs one collection and waits for what it queued. c.mu is not
// held; only the goroutine that set c.busy calls it.
func runRound(deadline int64) round {
	c := &collector
	var s samples
	before := s.read()
	runtime.GC()
	target := s.read()
	var r round
	// The cleanups found blocked earlier: while none of them has run, wait
	// for the others only.
	if c.stuck > 0 {
		if target.executed >= c.executedThen+c.stuck {
			c.stuck = 0
		} else {
			r.blocked = true
		}
	}
	for spins := 0; ; spins++ {
		now := s.read()
		if now.executed+c.stuck >= target.queued {
			r.drained = true
			r.ran = now.executed - before.executed
			return r
		}
		// With few processors the runtime runs cleanups on one goroutine,
		// which a blocked cleanup holds: then nothing queued after it
		// runs. Waiting for it again would only spend the budget anew.
		stillBlocked := r.blocked && spins == 1000 && now.executed == c.executedThen
		if stillBlocked || nanotime() > deadline {
			r.pending = now.queued - now.executed
			r.ran = now.executed - before.executed
			if !stillBlocked {
				c.stuck, c.executedThen = now.queued-now.executed, now.executed
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
