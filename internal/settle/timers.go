package settle

import (
	"os"
	"runtime"
	"time"
	"weak"

	"github.com/objtrack/objtrack/internal/flight"
)

// The runtime keeps a stopped timer in the timer heap of the processor
// (P) that started it until it gets round to dropping it: when the timer
// reaches the head of that heap, when a new timer is added behind it at
// the head, or when stopped timers make up more than a quarter of that
// heap and its P looks at its timers (runtime.(*timers).check). Until
// then the timer's function, and everything it refers to, stays
// reachable: the connection whose idle timer Close stopped, the values
// of a context whose deadline cancel stopped. That is the runtime's
// bookkeeping, not the program holding on, and no collection changes
// it. DropStoppedTimers makes the runtime do it now.

// timerDrops shares DropStoppedTimers among verdicts that ask at once.
var timerDrops flight.Group[bool]

// DropStoppedTimers makes the runtime drop every stopped timer it still
// keeps, and reports whether it could tell that it did. Timers that are
// still pending are left alone. It stops the world a few times and runs
// for a millisecond or so; call it only when objects survive a
// collection.
//
// It works in two steps. Setting GOMAXPROCS to 1 moves the timers of
// every other P to the one left, and drops the stopped ones on the way
// (runtime.(*timers).take). On the P left, it stops timers of its own
// until the stopped ones are more than a quarter of the heap, and lets
// the P look at its timers, which then drops every stopped one; a
// stopped marker timer in the middle of the heap, whose function holds
// an object that nothing else does, tells when this has happened: the
// object is freed. GOMAXPROCS is then set back as it was.
//
// Inside a testing/synctest bubble, timers are the bubble's and its
// clock is fake: DropStoppedTimers does nothing there and returns false.
func DropStoppedTimers() bool {
	if inBubble() {
		return false
	}
	return timerDrops.Do(dropStoppedTimers)
}

func dropStoppedTimers() bool {
	procs := runtime.GOMAXPROCS(1)
	defer restoreGOMAXPROCS(procs)
	for extra := 0; extra <= 1<<16; extra = max(64, extra*4) {
		if dropOnThisP(extra) {
			return true
		}
	}
	return false
}

// dropOnThisP stops extra timers besides a marker timer, lets the P look
// at its timers, and reports whether the marker was dropped.
//
// The marker must be dropped by nothing but the P's look at a heap full
// of stopped timers, or it would tell of a drop that did not happen:
// adding a timer (the runtime adds its own, for the scavenger, at any
// time) drops stopped timers at the head of the heap and at the end of
// its array. Pending timers before and after it keep it from both.
func dropOnThisP(extra int) bool {
	ahead := time.AfterFunc(time.Hour, func() {})
	defer ahead.Stop()
	marker, freed := markerTimer()
	behind := make([]*time.Timer, extra)
	for i := range behind {
		behind[i] = time.AfterFunc(3*time.Hour, func() {})
	}
	last := time.AfterFunc(4*time.Hour, func() {})
	defer last.Stop()
	marker.Stop()
	for _, t := range behind {
		t.Stop()
	}
	runtime.Gosched() // the scheduler looks at this P's timers
	runtime.GC()
	return freed.Value() == nil
}

// markerTimer starts a timer whose function alone holds an object, and
// returns it with a weak pointer to the object.
//
//go:noinline
func markerTimer() (*time.Timer, weak.Pointer[[16]byte]) {
	marked := new([16]byte)
	return time.AfterFunc(2*time.Hour, func() { runtime.KeepAlive(marked) }), weak.Make(marked)
}

// restoreGOMAXPROCS sets GOMAXPROCS back to procs. Setting it at all
// stops the runtime from following the processor limit of the
// container (Go 1.25); when the environment does not set GOMAXPROCS,
// the default is taken back, unless it differs from procs, which the
// program then chose.
func restoreGOMAXPROCS(procs int) {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.SetDefaultGOMAXPROCS()
		if runtime.GOMAXPROCS(0) == procs {
			return
		}
	}
	runtime.GOMAXPROCS(procs)
}

// inBubble reports whether the calling goroutine runs in a
// testing/synctest bubble, whose clock starts at midnight UTC on
// 2000-01-01 and moves only when every goroutine of the bubble is
// blocked: its time.Now is decades behind the runtime's real clock.
func inBubble() bool {
	return time.Now().Year() < 2001
}
