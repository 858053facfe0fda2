package leakcheck

import (
	"runtime"
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
//  1. to the running checked test whose goroutine it is, or whose
//     goroutine started it (the ids runtime.Stack prints);
//  2. to the running checked test whose function, or a closure defined in
//     it, is on its stack: the most specific, or, if several are equally
//     specific (parallel subtests that share one closure), their closest
//     checked parent.
//
// This costs a runtime.Stack of the goroutine for each such object.

// ownerOf returns the scope that an object made now, on a goroutine
// without a checked test's label, at creation site site, belongs to, or
// nil.
func ownerOf(site stack.ID) *scope {
	p := withFunctions.list.Load()
	if p == nil {
		return nil
	}
	if !idsUseless(site) {
		me := goroutines.Current()
		for _, id := range []int{me.ID, me.Creator} { // its own goroutine first
			for _, s := range *p {
				if s.goid != 0 && s.goid == id {
					return s
				}
			}
		}
		noteUselessIDs(site)
	}
	return byFunctions(sites.functions(site))
}

// Reading a goroutine's id costs a runtime.Stack, some 20 µs: too much for
// every object of a worker pool that no test started, made while tests
// run. A creation site whose goroutines were found to be no test's, and
// started by none, idsGiveUp times since the set of running checked tests
// last changed, is taken to be such a site: its objects are judged by
// their stack alone until the set changes again.
const idsGiveUp = 16

type uselessCount struct {
	since atomic.Uint64 // the scopesChanged value the count is for
	n     atomic.Int32
}

func idsUseless(site stack.ID) bool {
	v, ok := uselessIDs.Load(site)
	if !ok {
		return false
	}
	c := v.(*uselessCount)
	return c.since.Load() == scopesChanged.Load() && c.n.Load() >= idsGiveUp
}

func noteUselessIDs(site stack.ID) {
	v, _ := uselessIDs.LoadOrStore(site, new(uselessCount))
	c := v.(*uselessCount)
	if now := scopesChanged.Load(); c.since.Load() != now {
		c.since.Store(now)
		c.n.Store(0)
	}
	c.n.Add(1)
}

func addFunctionScope(s *scope) {
	withFunctions.mu.Lock()
	defer withFunctions.mu.Unlock()
	var list []*scope
	if p := withFunctions.list.Load(); p != nil {
		list = slices.Clone(*p)
	}
	list = append(list, s)
	withFunctions.list.Store(&list)
	scopesChanged.Add(1)
}

func removeFunctionScope(s *scope) {
	withFunctions.mu.Lock()
	defer withFunctions.mu.Unlock()
	p := withFunctions.list.Load()
	if p == nil {
		return
	}
	list := slices.DeleteFunc(slices.Clone(*p), func(o *scope) bool { return o == s })
	withFunctions.list.Store(&list)
}

// anyFunctionScope reports whether a fallback could find any scope.
func anyFunctionScope() bool {
	p := withFunctions.list.Load()
	return p != nil && len(*p) > 0
}

// byFunctions returns the active scope whose test function, or a closure
// in it, is among functions: the most specific if several are; if several
// are equally specific, their closest active parent; nil if none is.
func byFunctions(functions []string) *scope {
	p := withFunctions.list.Load()
	if p == nil {
		return nil
	}
	var best []*scope
	for _, s := range *p {
		if !madeBy(functions, s.fn) {
			continue
		}
		switch {
		case len(best) == 0 || len(s.fn) > len(best[0].fn):
			best = []*scope{s}
		case len(s.fn) == len(best[0].fn):
			best = append(best, s)
		}
	}
	switch len(best) {
	case 0:
		return nil
	case 1:
		return best[0]
	}
	return closestParent(best, *p)
}

// closestParent returns the scope among candidates whose test is a parent
// of every scope in group ("TestX" of "TestX/row_1"), the deepest if
// several are, or nil.
func closestParent(group, candidates []*scope) *scope {
	var found *scope
	for _, c := range candidates {
		parentOfAll := true
		for _, g := range group {
			if !strings.HasPrefix(g.name, c.name+"/") {
				parentOfAll = false
				break
			}
		}
		if parentOfAll && (found == nil || len(c.name) > len(found.name)) {
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

// testFunction returns the function of the test that called Check: the
// one that testing.tRunner called, or "" if Check was not called on a
// test's goroutine.
func testFunction() string {
	var pcs [64]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	prev := ""
	for {
		f, more := frames.Next()
		if f.Function == "testing.tRunner" {
			return prev
		}
		prev = f.Function
		if !more {
			return ""
		}
	}
}
