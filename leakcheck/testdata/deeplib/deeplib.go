// Package deeplib makes tracked objects ten calls deep, as database/sql
// makes a driver's connection: a test that leaks one calls Query, and its
// report must still show the test's line past the frames of the library.
package deeplib

import (
	"sync"

	"github.com/objtrack/objtrack/trackable"
)

// Conn is the object the library makes and may keep.
type Conn struct {
	trackable.Trackable
	Addr string
}

var kept struct {
	sync.Mutex
	conns []*Conn
}

// Query makes a connection ten calls down and keeps it, as a pool that
// nobody closes would.
//
//go:noinline
func Query(addr string) *Conn { return query(addr) }

// Drop lets the kept connections go.
func Drop() {
	kept.Lock()
	defer kept.Unlock()
	kept.conns = nil
}

//go:noinline
func query(addr string) *Conn { return conn(addr) }

//go:noinline
func conn(addr string) *Conn { return pool(addr) }

//go:noinline
func pool(addr string) *Conn { return open(addr) }

//go:noinline
func open(addr string) *Conn { return connector(addr) }

//go:noinline
func connector(addr string) *Conn { return driverOpen(addr) }

//go:noinline
func driverOpen(addr string) *Conn { return dial(addr) }

//go:noinline
func dial(addr string) *Conn { return handshake(addr) }

//go:noinline
func handshake(addr string) *Conn { return newConn(addr) }

//go:noinline
func newConn(addr string) *Conn {
	c := trackable.Track(&Conn{Addr: addr})
	kept.Lock()
	defer kept.Unlock()
	kept.conns = append(kept.conns, c)
	return c
}
