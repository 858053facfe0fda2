// Package typenamesmain pins how VerifyTestMain's options name types,
// whatever tests run and in whatever order. Its options allow pooled
// Conns and ignore Pool, a type of the program that nothing tracks: the
// run passes, and so does a run of one test that makes no Conn
// (-test.run '^TestMakesNoConn$'), where no Conn was ever tracked. With
// -misspelt=allow or -misspelt=ignore, one more option names a type that
// the program does not have, and every run fails, with a message that
// names the misspelt name and the one it misspells, though no test
// leaks.
package typenamesmain

import (
	"flag"
	"sync"
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

var misspelt = flag.String("misspelt", "", `"allow" or "ignore": add an option whose type name is misspelt`)

func TestMain(m *testing.M) {
	flag.Parse()
	opts := []leakcheck.Option{
		leakcheck.Allow("typenamesmain.Conn", 5, "pooled"),
		leakcheck.IgnoreTypes("Pool"),
	}
	switch *misspelt {
	case "allow":
		opts = append(opts, leakcheck.Allow("typenamesmain.Conm", 1, "typo"))
	case "ignore":
		opts = append(opts, leakcheck.IgnoreTypes("Sesion"))
	}
	leakcheck.VerifyTestMain(m, opts...)
}

type Conn struct {
	trackable.Trackable
	ID   int
	pool *Pool // puts Pool in the program, though none is ever made
}

type Session struct {
	trackable.Trackable
	ID int
}

// Pool is a type of the program that no test tracks.
type Pool struct {
	trackable.Trackable
	conns []*Conn
}

// pool keeps Conns alive for VerifyTestMain, which allows them.
var pool struct {
	sync.Mutex
	conns []*Conn
}

func TestMakesNoConn(t *testing.T) {
	for i := range 10 {
		trackable.Track(&Session{ID: i})
	}
}

func TestKeepsPooledConns(t *testing.T) {
	pool.Lock()
	defer pool.Unlock()
	for i := range 3 {
		pool.conns = append(pool.conns, trackable.Track(&Conn{ID: i}))
	}
}

func TestMakesAndDropsAConn(t *testing.T) {
	leakcheck.Check(t)
	for i := range 10 {
		trackable.Track(&Conn{ID: i})
	}
}
