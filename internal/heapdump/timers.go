package heapdump

import (
	"github.com/objtrack/objtrack/internal/heapdump/symbols"

	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// The runtime keeps every pending timer in the timer heap of a processor
// (P): runtime.allp points to the array of Ps, a P to its heap's array of
// {timer, when} pairs, a timer to its argument. For time.AfterFunc (and
// so for a context's deadline) the argument is the function to call,
// whose closure holds what the timer keeps alive. A path from
// runtime.allp therefore reads, by its objects:
//
//	allp's array -> a P -> its timer heap -> the timer -> its function -> ...
//
// Neither the due time (a word of the heap array) nor the function (the
// closure's first word, its code) is a pointer, so the Graph does not
// keep them: nameTimers reads those objects' contents again from the
// dump.
const (
	timerHeapStep = 2 // the step of the heap array
	timerStep     = 3 // the timer
	timerFuncStep = 4 // its function, a closure
)

// TimerRoot is a pending timer of the runtime's timer heaps that holds a
// path's target through its function (time.AfterFunc, a context's
// deadline or timeout).
type TimerRoot struct {
	// Func names the function the timer calls: "db.(*Conn).Close-fm" for
	// a method value, "db.TestIdle.func1" for a function literal.
	Func string
	// File and Line are where Func is defined, for a function literal:
	// the line that made the timer, most often. Empty for a method value,
	// whose function the compiler writes.
	File string
	Line int
	// Due is how long after the search the timer fires; valid when
	// HasDue. It is negative for a timer whose time has come but whose
	// function has not run yet.
	Due    time.Duration
	HasDue bool
	// Variable is the variable that the function, a closure, captured and
	// that holds the pointer, when the executable's DWARF gives it
	// (closures.go); Selector names the pointer in it.
	Variable string
	Selector string

	entry uint64 // Func's entry
}

// MethodValue reports whether Func is a method value (c.Close), whose
// closure holds the method's receiver.
func (t *TimerRoot) MethodValue() bool { return strings.HasSuffix(t.Func, "-fm") }

// Context reports whether the timer is a context's deadline or timeout
// (context.WithDeadline, WithTimeout and their Cause forms).
func (t *TimerRoot) Context() bool { return strings.HasPrefix(t.Func, "context.") }

// nameTimers turns the paths held from runtime.allp through a pending
// timer's function into paths held by that timer (RootTimer): the root
// names the timer, and the steps start at what its function refers to.
// So too a path from another root that goes through a P, ps (a timer's
// own word that points to the heap it is in: from a *time.Timer kept in
// a variable, the search may go on through its P's heap to any other
// timer, which the variable does not hold). A path it cannot read as a
// timer's (a dump of another process, whose code it cannot name, or one
// whose objects are not laid out as it expects) keeps its root.
func (g *Graph) nameTimers(paths []Path, ps map[uint64]bool) {
	var want []int
	base := map[int]int{} // by path: the step before its P, the step of allp's array
	addrs := map[uint64]struct{}{}
	for i := range paths {
		p := &paths[i]
		b := -1
		if p.Root.Global != nil && p.Root.Global.Name == "runtime.allp" {
			b = 0
		} else {
			for k := 1; k < len(p.Steps); k++ {
				if ps[p.Steps[k].Addr] {
					b = k - 1
					break
				}
			}
		}
		if b < 0 || len(p.Steps) <= b+timerFuncStep+1 {
			continue
		}
		want = append(want, i)
		base[i] = b
		addrs[p.Steps[b+timerHeapStep].Addr] = struct{}{}
		addrs[p.Steps[b+timerFuncStep].Addr] = struct{}{}
	}
	if len(want) == 0 || !g.writtenHere() {
		return
	}
	contents, err := g.contentsOf(addrs)
	if err != nil {
		return
	}
	ptr := g.roots.Params.PtrSize
	order := byteOrder(g.roots.Params)
	now, clock := nanotime()
	for _, i := range want {
		p := &paths[i]
		steps := p.Steps[base[i]:]
		heap := contents[steps[timerHeapStep].Addr]
		fn := contents[steps[timerFuncStep].Addr]
		whenAt := steps[timerStep].Field + uint64(ptr)
		if len(fn) < ptr || uint64(len(heap)) < whenAt+8 {
			continue
		}
		pc := uintptr(readWord(fn, ptr, order))
		f := runtime.FuncForPC(pc)
		if f == nil || f.Entry() != pc {
			continue // not a function's code: not a timer's function
		}
		t := &TimerRoot{Func: f.Name(), entry: uint64(pc)}
		if !t.MethodValue() {
			t.File, t.Line = f.FileLine(pc)
		}
		if clock {
			when := int64(order.Uint64(heap[whenAt:]))
			t.Due, t.HasDue = time.Duration(when-now), true
		}
		p.Root = Root{Kind: RootTimer, Timer: t, Slot: steps[timerFuncStep].Addr, source: p.Root.source}
		p.Steps = steps[timerFuncStep+1:]
	}
}

// processors returns the addresses of the runtime's Ps, read from the
// live process by runtime.allp, where the dump is this process's and
// tab names runtime.allp; nil otherwise.
func (t *typer) processors(tab *symbols.Table) map[uint64]bool {
	if tab == nil || t.mem == nil {
		return nil
	}
	allp, ok := tab.Lookup("runtime.allp")
	if !ok {
		return nil
	}
	ptr := t.g.roots.Params.PtrSize
	order := byteOrder(t.g.roots.Params)
	header, ok := t.mem.read(allp.Addr, 2*ptr)
	if !ok {
		return nil
	}
	array, n := readWord(header, ptr, order), readWord(header[ptr:], ptr, order)
	if n == 0 || n > 1<<16 {
		return nil
	}
	words, ok := t.mem.read(array, int(n)*ptr)
	if !ok {
		return nil
	}
	ps := make(map[uint64]bool, n)
	for i := range int(n) {
		// A P's object, by where it starts: the P may not start it.
		if start, _, ok := t.g.ObjectAt(readWord(words[i*ptr:], ptr, order)); ok {
			ps[start] = true
		}
	}
	return ps
}

// contentsOf reads the contents of the objects that start at addrs from
// the dump the Graph was read from, when it can read it again.
func (g *Graph) contentsOf(addrs map[uint64]struct{}) (map[uint64][]byte, error) {
	if g.source == nil {
		return nil, fmt.Errorf("heapdump: the dump cannot be read again")
	}
	sink := &contentsSink{want: addrs, got: map[uint64][]byte{}}
	if _, err := decode(io.NewSectionReader(g.source, g.sourceStart, 1<<62), sink); err != nil {
		return nil, err
	}
	return sink.got, nil
}

// contentsSink keeps the contents of the objects it wants.
type contentsSink struct {
	want    map[uint64]struct{}
	got     map[uint64][]byte
	scratch []byte
}

func (s *contentsSink) params(Params) {}

func (s *contentsSink) contentsBuffer(n int) []byte {
	if cap(s.scratch) < n {
		s.scratch = make([]byte, n)
	}
	return s.scratch[:n]
}

func (s *contentsSink) object(addr uint64, contents []byte, _ []uint64) error {
	if _, ok := s.want[addr]; ok {
		s.got[addr] = append([]byte(nil), contents...)
	}
	return nil
}

// typeTimer names the variable of a timer's function that holds the
// first pointer of p, and types the path's steps from it.
func (t *typer) typeTimer(p *Path) {
	tr := p.Root.Timer
	if tr.MethodValue() || len(p.Steps) == 0 {
		return
	}
	l, _, ok := t.closureLocal(tr.entry, int64(p.Steps[0].Field))
	if !ok {
		return
	}
	if sel, ok := p.typeVariable(t, l, p.Root.Slot+p.Steps[0].Field); ok {
		tr.Variable, tr.Selector = l.Name, sel
	}
}

func (t *TimerRoot) text() string {
	what := t.what()
	switch {
	case t.Context():
		return what + ": its function holds the context, whose values or parents hold it"
	case t.MethodValue():
		return fmt.Sprintf("%s: its function, the method value %s, holds the receiver", what, shortName(strings.TrimSuffix(t.Func, "-fm")))
	}
	return fmt.Sprintf("%s: its function %s holds it", what, frameText(t.Func, t.File, t.Line))
}

// what names the kind of timer, and when it is due.
func (t *TimerRoot) what() string {
	what := "a pending time.AfterFunc timer"
	if t.Context() {
		what = "a context's pending deadline timer (context.WithTimeout or WithDeadline, not cancelled)"
	}
	if t.HasDue {
		what += ", " + dueText(t.Due)
	}
	return what
}

// variableText is the timer's line when its function's captured
// variable holds the pointer: "its function db.Open.func1
// (db/open.go:12) holds it in its captured variable c", then ": " and
// the expression that goes on from the variable.
func (t *TimerRoot) variableText(expr string) string {
	s := fmt.Sprintf("%s: its function %s holds it in its captured variable %s", t.what(), frameText(t.Func, t.File, t.Line), t.Variable)
	if t.Context() {
		s = fmt.Sprintf("%s: its function holds the context in its captured variable %s", t.what(), t.Variable)
	}
	if full := t.Selector + expr; full != "" {
		s += ": " + t.Variable + full
	}
	return s
}

// dueText says when a timer fires: to the second past a minute, to the
// millisecond below one, never rounded up (a timer of an hour is due in
// 59m59s, not in 1h0m0s).
func dueText(d time.Duration) string {
	switch {
	case d < 0:
		return "overdue, its function not yet run"
	case d >= time.Minute:
		return "due in " + d.Truncate(time.Second).String()
	case d >= time.Second:
		return "due in " + d.Truncate(100*time.Millisecond).String()
	}
	return "due in " + d.Truncate(time.Millisecond).String()
}
