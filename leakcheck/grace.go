package leakcheck

import (
	"runtime/metrics"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
)

// What a test started may go on a little after the test returns: a
// goroutine that ends, a timer that fires and lets go of what its
// function holds. Both get the same grace, measured as goleak measures
// it: its back-off, a pause of a microsecond doubling up to 100 ms for
// each of 20 looks, about 0.43 s in all, from the moment the test's
// verdict begins. Goroutines are waited for first (waitForGoroutines);
// objects that survive a collection then get what is left of the grace.

// grace is the sum of the back-off's pauses.
var grace = func() time.Duration {
	var d time.Duration
	for try := range goroutineTries {
		d += min(time.Microsecond<<try, goroutineMaxPause)
	}
	return d
}()

// waitOutGrace waits until count returns 0 or the grace of scope s runs
// out, and returns res with the settling it did added. Objects that a timer or a goroutine lets go of are freed only by
// a collection: it settles again after each pause in which goroutines
// started or ended (a timer that fires starts one for its function).
func waitOutGrace(s *scope, res settle.Result, count func() int) settle.Result {
	deadline := s.began + int64(grace)
	// Goroutines may have ended since the last collection, which ran
	// before this was called: settle at once, and then after each pause
	// in which goroutines started or ended. The activity is read before
	// each settling, so that what happens during one leads to the next.
	seen := [2]uint64{^uint64(0), ^uint64(0)}
	for try := 0; ; try++ {
		if a := goroutineActivity(); a != seen {
			seen = a
			res = addResults(res, settle.Until(s.cfg.budget, count))
			if !res.Settled || count() == 0 {
				return res
			}
		}
		now := settle.Now()
		if now >= deadline {
			return res
		}
		time.Sleep(min(time.Microsecond<<try, goroutineMaxPause, time.Duration(deadline-now)))
	}
}

// goroutineActivity changes whenever a goroutine starts or ends: the
// number started since the program began, and the number running.
func goroutineActivity() [2]uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}, {Name: "/sched/goroutines:goroutines"}}
	metrics.Read(s)
	var a [2]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			a[i] = s[i].Value.Uint64()
		}
	}
	return a
}

// addResults adds the rounds, time and cleanups of a later settling to
// an earlier one's, and takes the later one's outcome.
func addResults(earlier, later settle.Result) settle.Result {
	later.Rounds += earlier.Rounds
	later.Waited += earlier.Waited
	later.Ran += earlier.Ran
	later.Blocked = later.Blocked || earlier.Blocked
	return later
}
