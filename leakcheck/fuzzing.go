package leakcheck

import (
	"flag"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Under go test -fuzz, the inputs of a fuzz target run in worker
// processes, one after the other, each on a goroutine of its own that
// package testing starts from the target's: the label that Check(f) puts
// on the target's goroutine is on every input's, so the objects that the
// inputs track are the target's. But the target's own verdict, when its
// function returns, comes too late to fail anything: the coordinator
// ignores what a worker does once fuzzing stops, and only a failing input
// is a finding. So in a worker, Check(f) judges the inputs while they run
// (fuzzWatch): every so many tracked objects, and at most once a grace,
// it judges the objects that an input which has ended tracked, and once
// any of them outlives its input, every input that then tracks an object
// fails with the report. The first such input is the finding that the
// coordinator records and minimizes; it is not always the one that
// leaked, which Check(t) first in the fuzz function tells (each input is
// then judged on its own, at the cost of a collection each).

// fuzzLookEvery is how many objects the inputs track between two looks
// at the time and the goroutine: a look costs a stack trace of the
// calling goroutine, a verdict (at most one a grace) two collections or
// more.
const fuzzLookEvery = 256

// fuzzWatch judges a fuzz target's inputs in a fuzzing worker process.
type fuzzWatch struct {
	due    atomic.Int64           // the count of made objects at which to look again
	proven atomic.Pointer[string] // the report, once inputs leaked
	mu     sync.Mutex             // one look at a time; the fields below
	// first is the serial of the first object an input tracked: the
	// target's own, made before, live as long as it does.
	first uint64
	// mark is the serial of an object that goroutine markedBy, an
	// input's, tracked at markedAt: once that goroutine has ended, the
	// objects of inputs up to mark are judged.
	mark     uint64
	markedBy int
	markedAt time.Time
}

// fuzzWorker reports whether this process is a worker of go test -fuzz.
func fuzzWorker() bool {
	f := flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() == "true"
}

// watchFuzzing returns the watch for a scope of Check(t), if t is a fuzz
// target's F in a fuzzing worker, or nil.
func watchFuzzing(t TestingT) *fuzzWatch {
	if _, ok := t.(*testing.F); !ok || !fuzzWorker() {
		return nil
	}
	return &fuzzWatch{}
}

// look is called on the goroutine that tracked an object of scope s, the
// one of the given serial, once it is recorded. It returns what Track
// panics with to fail the input that runs: the report of a leak of
// earlier inputs, or nil.
func (w *fuzzWatch) look(s *scope, serial uint64) any {
	if p := w.proven.Load(); p != nil {
		return *p
	}
	made := s.made.Load()
	if made < w.due.Load() || !w.mu.TryLock() {
		return nil
	}
	defer w.mu.Unlock()
	g := currentGoroutine().id
	if g == s.goid {
		// The target's own function, before F.Fuzz: look again at the
		// next object, which may be an input's.
		w.due.Store(made + 1)
		return nil
	}
	w.due.Store(made + fuzzLookEvery)
	if w.first == 0 {
		w.first = serial
	}
	now := time.Now()
	if w.mark != 0 && g != w.markedBy && now.Sub(w.markedAt) >= s.cfg.grace && ended(w.markedBy) {
		if msg := w.judge(s); msg != "" {
			w.proven.Store(&msg)
			return msg
		}
		w.mark = 0
	}
	if w.mark == 0 {
		w.mark, w.markedBy, w.markedAt = serial, g, now
	}
	return nil
}

// ended reports whether goroutine id has ended.
func ended(id int) bool {
	return !slices.ContainsFunc(allGoroutines(), func(d goroutineDump) bool { return d.id == id })
}

// judge judges the objects that inputs of scope s tracked, from the first
// to the mark, and returns the report if any outlived them, or "".
func (w *fuzzWatch) judge(s *scope) string {
	// Without retention paths: the input that runs the verdict has ten
	// seconds before the coordinator takes its worker for hung, and a
	// heap dump, with the rebuild of the instrumented test binary that
	// names its globals, can take longer.
	cfg := *s.cfg
	cfg.paths = false
	inputs := &scope{
		name: "the fuzz inputs of " + s.name + " that made them",
		num:  s.num, cfg: &cfg, since: w.first, upTo: w.mark,
	}
	rep, err := judge(inputs)
	if err != nil || !rep.Leaked() {
		return "" // not settled: judged at a later look
	}
	reg.markReported(rep.leaked)
	return rep.String() + "\nleakcheck: under -fuzz, Check(f) fails the inputs that track objects once objects of earlier inputs outlive them: this input may not be the one that leaked. To fail the very input that leaks, call leakcheck.Check(t) first in the fuzz function"
}
