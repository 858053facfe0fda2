package leakcheck

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Where ancestry says nothing, creation stacks speak. A goroutine can lose
// the label of its checked test: code under test that runs pprof.Do with
// a context of its own replaces the goroutine's labels (and restores the
// context's, not the test's), and the runtime starts the goroutines of
// time.AfterFunc from the scheduler, with no labels at all. An object or
// a goroutine of such a goroutine belongs to the checked test whose
// function, or a closure defined in it, is on its stack: the most specific
// one among the tests running, if only one is.

// withFunctions is the list of active scopes that know their test's
// function, copied on change.
var withFunctions struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*scope]
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
// in it, is among functions: the most specific if several are, nil if
// none is or two equally specific are.
func byFunctions(functions []string) *scope {
	p := withFunctions.list.Load()
	if p == nil {
		return nil
	}
	var best *scope
	tied := false
	for _, s := range *p {
		if !madeBy(functions, s.fn) {
			continue
		}
		switch {
		case best == nil || len(s.fn) > len(best.fn):
			best, tied = s, false
		case len(s.fn) == len(best.fn):
			tied = true
		}
	}
	if tied {
		return nil
	}
	return best
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
