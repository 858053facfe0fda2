package owner

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/stack"
)

// Where ancestry says nothing, goroutine ids and creation stacks speak. A
// goroutine can lose the label of its checked test: code under test that
// runs pprof.Do or pprof.SetGoroutineLabels with a context of its own
// replaces the goroutine's labels (and pprof.Do restores the context's,
// not the test's), and the runtime starts the goroutines of
// time.AfterFunc from the scheduler, with no labels at all. An object or
// a goroutine of such a goroutine belongs, in this order of preference:
//
//  1. to the active owner whose goroutine it is, or whose goroutine
//     started it (the ids runtime.Stack prints);
//  2. to the active owner whose function, or a closure defined in it, is
//     on its stack: the most specific, or, if several are equally
//     specific (parallel subtests that share one closure), their closest
//     active parent.
//
// This costs a runtime.Stack of the goroutine for each such object.

// ByStack returns the owner of an object made now, on a goroutine without
// an owner's label, at creation site site, whose functions are
// functions(site); or nil.
func (t *Table) ByStack(site stack.ID, functions func(stack.ID) []string) *Owner {
	p := t.functions.list.Load()
	if p == nil {
		return nil
	}
	if !t.idsUseless(site) {
		me := goroutines.Current()
		for _, id := range []int{me.ID, me.Creator} { // its own goroutine first
			for _, o := range *p {
				if o.Goroutine != 0 && o.Goroutine == id {
					return o
				}
			}
		}
		t.noteUselessIDs(site)
	}
	return t.ByFunctions(functions(site))
}

// Reading a goroutine's id costs a runtime.Stack, some 20 µs: too much for
// every object of a worker pool that no test started, made while tests
// run. A creation site whose goroutines were found to be no test's, and
// started by none, idsGiveUp times since an owner with a function last
// began, is taken to be such a site: its objects are judged by their
// stack alone until another such owner begins (the count starts over
// then).
const idsGiveUp = 16

type uselessCount struct {
	since atomic.Uint64 // the Table.changed value the count is for
	n     atomic.Int32
}

func (t *Table) idsUseless(site stack.ID) bool {
	v, ok := t.uselessIDs.Load(site)
	if !ok {
		return false
	}
	c := v.(*uselessCount)
	return c.since.Load() == t.changed.Load() && c.n.Load() >= idsGiveUp
}

func (t *Table) noteUselessIDs(site stack.ID) {
	v, _ := t.uselessIDs.LoadOrStore(site, new(uselessCount))
	c := v.(*uselessCount)
	if now := t.changed.Load(); c.since.Load() != now {
		c.since.Store(now)
		c.n.Store(0)
	}
	c.n.Add(1)
}

func (t *Table) addFunction(o *Owner) {
	t.functions.mu.Lock()
	defer t.functions.mu.Unlock()
	var list []*Owner
	if p := t.functions.list.Load(); p != nil {
		list = slices.Clone(*p)
	}
	list = append(list, o)
	t.functions.list.Store(&list)
	t.changed.Add(1)
}

func (t *Table) removeFunction(o *Owner) {
	t.functions.mu.Lock()
	defer t.functions.mu.Unlock()
	p := t.functions.list.Load()
	if p == nil {
		return
	}
	list := slices.DeleteFunc(slices.Clone(*p), func(e *Owner) bool { return e == o })
	t.functions.list.Store(&list)
}

// WithFunctions returns the active owners that know their test's
// function, which ByStack can find. The caller must not change it.
func (t *Table) WithFunctions() []*Owner {
	if p := t.functions.list.Load(); p != nil {
		return *p
	}
	return nil
}

// ByFunctions returns the active owner whose test function, or a closure
// in it, is among functions: the most specific if several are; if several
// are equally specific, their closest active parent; nil if none is.
func (t *Table) ByFunctions(functions []string) *Owner {
	all := t.WithFunctions()
	var best []*Owner
	for _, o := range all {
		if !madeBy(functions, o.Function) {
			continue
		}
		switch {
		case len(best) == 0 || len(o.Function) > len(best[0].Function):
			best = []*Owner{o}
		case len(o.Function) == len(best[0].Function):
			best = append(best, o)
		}
	}
	switch len(best) {
	case 0:
		return nil
	case 1:
		return best[0]
	}
	return closestParent(best, all)
}

// closestParent returns the owner among candidates whose test is a parent
// of every owner in group ("TestX" of "TestX/row_1"), the deepest if
// several are, or nil.
func closestParent(group, candidates []*Owner) *Owner {
	var found *Owner
	for _, c := range candidates {
		parentOfAll := true
		for _, g := range group {
			if !strings.HasPrefix(g.Name, c.Name+"/") {
				parentOfAll = false
				break
			}
		}
		if parentOfAll && (found == nil || len(c.Name) > len(found.Name)) {
			found = c
		}
	}
	return found
}

// madeBy reports whether fn, or a closure defined in it, is one of
// functions.
func madeBy(functions []string, fn string) bool {
	for _, f := range functions {
		if f == fn || strings.HasPrefix(f, fn+".") {
			return true
		}
	}
	return false
}
