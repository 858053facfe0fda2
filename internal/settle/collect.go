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
	blocked bool   // a cleanup or finalizer found blocked before is still blocked
	// blockedFinalizer is set when this round found the finalizer
	// goroutine blocked.
	blockedFinalizer bool
}

// A collection is shared by the callers that ask for one while another
// runs (see package flight); each caller then waits for the cleanups it
// queued on its own, within its own budget.
var collections flight.Group[collected]

// collected is what a shared collection found: the counts of queued and
// executed cleanups and finalizers just before it and just after it.
type collected struct{ before, after counts }

// stuck is what callers found blocked, so that later callers do not
// wait for it again while it stays blocked.
//
// Finalizers (runtime.SetFinalizer) run one at a time on one goroutine:
// once one blocks, no finalizer queued after it ever runs, and later
// callers do not wait for finalizers at all, until the finalizers'
// count of runs moves again. Cleanups (runtime.AddCleanup) run on
// several goroutines: one that blocks holds up only the cleanups taken
// with it, which are counted as stuck; later callers wait for the
// others, until every queued cleanup has run.
var stuck struct {
	sync.Mutex
	cleanups   uint64 // cleanups queued or running when found blocked
	finalizers bool   // the finalizer goroutine is blocked
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
	skipCleanups, skipFinalizers := stuck.cleanups, stuck.finalizers
	stuck.Unlock()
	r.blocked = skipCleanups > 0 || skipFinalizers
	var s samples
	started := s.read()
	for spins := 0; ; spins++ {
		now := s.read()
		r.ran = now.executed() - c.before.executed()
		// What was found blocked is waited for again once it has run:
		// once every cleanup, or every finalizer, queued so far has.
		allCleanups := now.cleanupsExecuted >= c.after.cleanupsQueued
		allFinalizers := now.finalizersExecuted >= c.after.finalizersQueued
		if (skipCleanups > 0 && allCleanups) || (skipFinalizers && allFinalizers) {
			stuck.Lock()
			if allCleanups {
				stuck.cleanups = 0
			}
			if allFinalizers {
				stuck.finalizers = false
			}
			stuck.Unlock()
		}
		cleanupsDone := allCleanups || now.cleanupsExecuted+skipCleanups >= c.after.cleanupsQueued
		finalizersDone := allFinalizers || skipFinalizers
		if cleanupsDone && finalizersDone {
			r.drained = true
			return r
		}
		// The runtime runs cleanups on GOMAXPROCS/4 goroutines, at least
		// one: when the blocked ones hold them all, no cleanup queued
		// after them runs, and waiting would only spend the budget
		// anew. That is told by nothing running at all for a while.
		if skipCleanups > 0 && !cleanupsDone && spins >= 1000 && now.cleanupsExecuted == started.cleanupsExecuted {
			r.pending = now.queued() - now.executed()
			return r
		}
		if nanotime() > deadline {
			r.pending = now.queued() - now.executed()
			stuck.Lock()
			if !cleanupsDone {
				stuck.cleanups = now.cleanupsQueued - now.cleanupsExecuted
			}
			if !finalizersDone {
				stuck.finalizers = true
			}
			stuck.Unlock()
			r.blockedFinalizer = !finalizersDone
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

type counts struct {
	cleanupsQueued, cleanupsExecuted     uint64
	finalizersQueued, finalizersExecuted uint64
}

func (c counts) queued() uint64   { return c.cleanupsQueued + c.finalizersQueued }
func (c counts) executed() uint64 { return c.cleanupsExecuted + c.finalizersExecuted }

func (s *samples) read() counts {
	if s[0].Name == "" {
		s[0].Name = "/gc/cleanups/queued:cleanups"
		s[1].Name = "/gc/cleanups/executed:cleanups"
		s[2].Name = "/gc/finalizers/queued:finalizers"
		s[3].Name = "/gc/finalizers/executed:finalizers"
	}
	metrics.Read(s[:])
	var v [4]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64() // else unknown to this runtime: zero
		}
	}
	return counts{v[0], v[1], v[2], v[3]}
}
