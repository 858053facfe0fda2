// Package flight shares calls whose result must be fresh: a caller needs
// a call that started after it asked (a garbage collection that may free
// what it dropped, a goroutine profile taken after its test ended), and
// callers that ask while a call runs wait for the next one and share it.
// N callers arriving together cost two calls at most, not N.
package flight

import "sync"

// Group shares the calls of one function. The zero value is ready to use.
type Group[T any] struct {
	mu        sync.Mutex
	cond      sync.Cond
	busy      bool
	started   uint64 // calls started
	completed uint64 // calls finished; last is what the last one returned
	last      T
}

// Do returns what a call of f that started after Do was called returned:
// it makes that call, or waits for one that another caller makes. f runs
// on the goroutine of one of the callers, one call at a time.
func (g *Group[T]) Do(f func() T) T {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond.L == nil {
		g.cond.L = &g.mu
	}
	want := g.started + 1
	for g.completed < want {
		if g.busy {
			g.cond.Wait()
			continue
		}
		g.busy = true
		g.started++
		n := g.started
		g.mu.Unlock()
		r := g.call(f)
		g.mu.Lock()
		g.busy = false
		g.completed, g.last = n, r
		g.cond.Broadcast()
	}
	return g.last
}

// call runs f with g.mu unlocked, so that a panic in it leaves the group
// usable: it locks g.mu again (Do's deferred Unlock expects it locked),
// lets another caller make the call, and goes on panicking.
func (g *Group[T]) call(f func() T) (r T) {
	defer func() {
		if p := recover(); p != nil {
			g.mu.Lock()
			g.busy = false
			g.cond.Broadcast()
			panic(p)
		}
	}()
	return f()
}
