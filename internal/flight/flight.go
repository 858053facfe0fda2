// Package flight shares calls whose result must be fresh: a caller needs
// a call that started after it asked (a garbage collection that may free
// what it dropped, a goroutine profile taken after its test ended), and
// callers that ask while a call runs wait for the next one and share it.
// N callers arriving together cost two calls at most, not N.
//
// Callers wait on mutexes, never on a sync.Cond or a channel: a verdict
// inside a testing/synctest bubble may share a call with a verdict
// outside it, and synctest takes a goroutine blocked on a Cond for a
// deadlock of its bubble (and forbids waking it from outside), while a
// goroutine blocked on a mutex is merely waiting.
package flight

import "sync"

// Group shares the calls of one function. The zero value is ready to use.
type Group[T any] struct {
	mu      sync.Mutex
	running *call[T] // the call in progress, if any
	next    *call[T] // the call that starts after it, if callers wait for one
}

// call is one call of the function. done is locked while it runs: a
// caller waits for it by locking and unlocking done.
type call[T any] struct {
	done   sync.Mutex
	result T
}

func newCall[T any]() *call[T] {
	c := new(call[T])
	c.done.Lock()
	return c
}

func (c *call[T]) wait() T {
	c.done.Lock()
	defer c.done.Unlock()
	return c.result
}

// Do returns what a call of f that started after Do was called returned:
// it makes that call, or waits for one that another caller makes. f runs
// on the goroutine of one of the callers, one call at a time. If f
// panics, the callers that shared the call get the zero T.
func (g *Group[T]) Do(f func() T) T {
	g.mu.Lock()
	if g.running == nil {
		// Nothing runs: start the call that callers wait for, if any, or
		// a new one.
		c := g.next
		if c == nil {
			c = newCall[T]()
		}
		g.next = nil
		return g.run(c, f)
	}
	// A call runs that started before this caller asked: share the next.
	if g.next == nil {
		g.next = newCall[T]()
	}
	c, prev := g.next, g.running
	g.mu.Unlock()
	prev.wait()
	g.mu.Lock()
	if g.running == nil && g.next == c {
		g.next = nil
		return g.run(c, f)
	}
	g.mu.Unlock()
	return c.wait() // another caller started it
}

// run makes call c with g.mu held, and returns with it released.
func (g *Group[T]) run(c *call[T], f func() T) T {
	g.running = c
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.running = nil
		g.mu.Unlock()
		c.done.Unlock()
	}()
	c.result = f()
	return c.result
}
