package leakcheck

import (
	"flag"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/owner"
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
// fails with the report. The goroutines that ended inputs started are
// judged at the same looks, at most four times a grace and with at most
// a tenth of the time: one still running a grace after it was first seen
// fails the inputs likewise. The first
// such input is the finding that the coordinator records and minimizes;
// it is not always the one that leaked, which Check(t) first in the fuzz
// function tells (each input is then judged on its own, at the cost of a
// collection each).

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
	// nextLook is when the goroutines are looked at again; seen holds
	// the goroutines that ended inputs left running, with when each was
	// first seen running.
	nextLook time.Time
	seen     map[int]time.Time
	// optionsKeep says, by stack (functionsKey), whether the user's
	// options keep a goroutine of it: goleak is asked once per stack.
	optionsKeep map[string]bool
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
	made := s.Made.Load()
	if made < w.due.Load() || !w.mu.TryLock() {
		return nil
	}
	defer w.mu.Unlock()
	g := goroutines.Current().ID
	if g == s.Goroutine {
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
	if msg := w.judgeGoroutines(s, now); msg != "" {
		w.proven.Store(&msg)
		return msg
	}
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

// judgeGoroutines looks, at most four times a grace and with at most a
// tenth of the time, at the goroutines
// of scope s that inputs which have ended started, and returns the report
// once any of them has run for a grace since it was first seen, or "".
// The target's goroutine, which serves the worker, and the goroutines of
// inputs that run and of the target are left alone: their creators, an
// input's goroutine or the target's, are running.
func (w *fuzzWatch) judgeGoroutines(s *scope, now time.Time) string {
	if !s.cfg.goroutines || now.Before(w.nextLook) {
		return ""
	}
	defer func() {
		// A look walks every goroutine's stack twice: with thousands of
		// goroutines it takes milliseconds, which at most a tenth of the
		// inputs' time may go to.
		w.nextLook = now.Add(max(s.cfg.grace/4, 10*time.Since(now)))
	}()
	keys := map[string]bool{}
	for _, g := range goroutinesOf(s) {
		keys[goroutines.Key(g.Functions())] = true
	}
	if len(keys) == 0 {
		clear(w.seen)
		return ""
	}
	if w.seen == nil {
		w.seen = map[int]time.Time{}
	}
	all := goroutines.All()
	byID := make(map[int]*goroutines.Trace, len(all))
	for i := range all {
		byID[all[i].ID] = &all[i]
	}
	var leaked []*goroutines.Trace
	running := map[int]bool{}
	for i := range all {
		d := &all[i]
		if d.ID == s.Goroutine || !keys[goroutines.Key(d.Own())] || lineage(d, byID, s.Goroutine, nil) != ofNoKnownTest {
			continue
		}
		running[d.ID] = true
		if first, ok := w.seen[d.ID]; !ok {
			w.seen[d.ID] = now
		} else if now.Sub(first) >= s.cfg.grace {
			leaked = append(leaked, d)
		}
	}
	maps.DeleteFunc(w.seen, func(id int, _ time.Time) bool { return !running[id] })
	if len(leaked) > 0 && len(s.cfg.goleakOptions) > 0 {
		// The user's options, through goleak, once per stack: goleak
		// retries while goroutines are left and parses every goroutine's
		// stack, and an input has ten seconds.
		if w.optionsKeep == nil {
			w.optionsKeep = map[string]bool{}
		}
		if slices.ContainsFunc(leaked, func(d *goroutines.Trace) bool { _, known := w.optionsKeep[goroutines.Key(d.Own())]; return !known }) {
			kept := map[string]bool{}
			for _, g := range stillRunning(s) {
				kept[goroutines.Key(g.Functions())] = true
			}
			for _, d := range leaked {
				k := goroutines.Key(d.Own())
				if _, known := w.optionsKeep[k]; !known {
					w.optionsKeep[k] = kept[k]
				}
			}
		}
		leaked = slices.DeleteFunc(leaked, func(d *goroutines.Trace) bool { return !w.optionsKeep[goroutines.Key(d.Own())] })
	}
	if len(leaked) == 0 {
		return ""
	}
	rep := Report{
		Scope:          "the fuzz inputs of " + s.Name + " that started them",
		Goroutines:     groupGoroutines(leaked, s.cfg.maxShown),
		GoroutineCheck: "checked those that ended inputs started, a grace after they were first seen",
	}
	return rep.String() + fuzzHint
}

// ended reports whether goroutine id has ended.
func ended(id int) bool {
	return !slices.ContainsFunc(goroutines.All(), func(d goroutines.Trace) bool { return d.ID == id })
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
		Owner: owner.Owner{Name: "the fuzz inputs of " + s.Name + " that made them", Num: s.Num},
		cfg:   &cfg, since: w.first, upTo: w.mark,
	}
	rep, err := judge(inputs)
	if err != nil || !rep.Leaked() {
		return "" // not settled: judged at a later look
	}
	reg.MarkReported(rep.leaked)
	return rep.String() + fuzzHint
}

// fuzzHint ends the reports of fuzzWatch.
const fuzzHint = "\nleakcheck: under -fuzz, Check(f) fails the inputs that track objects once objects or goroutines of earlier inputs outlive them: this input may not be the one that leaked. To fail the very input that leaks, call leakcheck.Check(t) first in the fuzz function"
