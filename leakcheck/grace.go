package leakcheck

import (
	"runtime/metrics"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
)

// What a test started may go on a little after the test returns: a
// goroutine that ends, a timer that fires and lets go of what its
// function holds. Both get one grace (Grace), spent in the pauses of
// goleak's back-off between looks: a microsecond, doubling up to 100
// ms. Goroutines are waited for first (waitForGoroutines); objects that
// survive a collection then get what is left of it.

// DefaultGrace is the grace of goleak's defaults: the sum of its
// back-off's pauses over 20 looks, about 0.43 s.
const DefaultGrace = 1<<17*time.Microsecond - time.Microsecond + 3*goroutineMaxPause

// graceClock counts a verdict's pauses: the grace is spent in pauses, not
// in time, so that a loaded machine gets as many looks as an idle one,
// as with goleak. The wait for goroutines spends it first; the wait for
// objects goes on where it stopped.
type graceClock struct {
	tries int
	slept time.Duration
}

// pause sleeps for the next pause of the back-off (a microsecond,
// doubling up to 100 ms), and reports false, without sleeping, when the
// grace is spent.
func (c *graceClock) pause(grace time.Duration) bool {
	if c.slept >= grace {
		return false
	}
	d := min(time.Microsecond<<min(c.tries, 30), goroutineMaxPause, grace-c.slept)
	c.tries++
	c.slept += d
	time.Sleep(d)
	return true
}

// waitOutGrace waits until count returns 0 or the grace of scope s is
// spent, and returns res with the settling it did added. Objects that a
// timer or a goroutine lets go of are freed only by a collection: it
// settles again after each pause in which goroutines started or ended
// (a timer that fires starts one for its function).
func waitOutGrace(s *scope, res settle.Result, count func() int) settle.Result {
	// Goroutines may have ended since the last collection, which ran
	// before this was called: settle at once, and then after each pause
	// in which goroutines started or ended. The activity is read before
	// each settling, so that what happens during one leads to the next.
	seen := [2]uint64{^uint64(0), ^uint64(0)}
	for {
		if a := goroutineActivity(); a != seen {
			seen = a
			res = addResults(res, settle.Until(s.cfg.budget, count))
			if !res.Settled || count() == 0 {
				return res
			}
		}
		if !s.grace.pause(s.cfg.grace) {
			return res
		}
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
