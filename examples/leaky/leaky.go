// Package leaky is a small client library with three classic leaks, for
// leakcheck to find: a cache that keeps every connection, a resource that
// is never closed, and a goroutine that holds a connection forever.
//
// Its tests leak on purpose and run only with the build tag "leaky":
//
//	go test -tags leaky ./examples/leaky
package leaky

import (
	"sync"

	"github.com/objtrack/objtrack/trackable"
)

// Conn is a connection; every one is tracked from Dial until it is freed.
type Conn struct {
	trackable.Trackable
	Addr string
}

// Dial makes a connection, with its address as the data bundle so that
// reports say which connection leaked.
func Dial(addr string) *Conn {
	c := &Conn{Addr: addr}
	c.SetDataBundle(addr)
	return trackable.Track(c)
}

// cache keeps connections for reuse, and never lets one go: leak one.
var cache = struct {
	sync.Mutex
	conns map[string]*Conn
}{conns: map[string]*Conn{}}

// Cached returns the cached connection to addr, dialing it the first time.
func Cached(addr string) *Conn {
	cache.Lock()
	defer cache.Unlock()
	c, ok := cache.conns[addr]
	if !ok {
		c = Dial(addr)
		cache.conns[addr] = c
	}
	return c
}

// Statement is a resource that must be closed.
type Statement struct {
	trackable.Trackable
	Query string
}

// open statements are kept until Close: leak two, when nobody closes.
var open = struct {
	sync.Mutex
	stmts map[*Statement]bool
}{stmts: map[*Statement]bool{}}

// Prepare opens a statement; the caller must Close it.
func Prepare(query string) *Statement {
	s := trackable.Track(&Statement{Query: query})
	s.SetDataBundle(query)
	open.Lock()
	open.stmts[s] = true
	open.Unlock()
	return s
}

// Close releases the statement.
func (s *Statement) Close() {
	open.Lock()
	delete(open.stmts, s)
	open.Unlock()
}

// Watch starts a goroutine that keeps c busy until stop is closed: leak
// three, when nobody closes stop.
func Watch(c *Conn, stop <-chan struct{}) {
	go func() {
		<-stop
		_ = c.Addr
	}()
}
