// Package pool is a small connection pool with a Ginkgo suite that checks
// every spec for leaks with ginkgoext.CheckSpecs, and asserts inventories
// with ginkgoext's matchers. One spec leaks on purpose; it is built only
// with the tag "leaky":
//
//	go test ./examples/ginkgo                # passes
//	go test -tags leaky ./examples/ginkgo    # the leaking spec fails with leakcheck's report
package pool

import (
	"sync"

	"github.com/objtrack/objtrack/trackable"
)

// Conn is a pooled connection.
type Conn struct {
	trackable.Trackable
	Addr string
}

// Pool keeps at most Max idle connections.
type Pool struct {
	Addr string
	Max  int
	mu   sync.Mutex
	idle []*Conn
}

// Get returns an idle connection, or dials a new one.
func (p *Pool) Get() *Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		return c
	}
	c := &Conn{Addr: p.Addr}
	c.SetDataBundle(p.Addr)
	return trackable.Track(c)
}

// Put returns a connection to the pool, or drops it if the pool is full.
func (p *Pool) Put(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) < p.Max {
		p.idle = append(p.idle, c)
	}
}

// Close drops every idle connection.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.idle)
	p.idle = nil
}
