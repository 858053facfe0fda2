// Package syncpool pins that objects parked in a sync.Pool are judged after
// the pool let them go: a pool keeps what was Put through one garbage
// collection (in its victim cache) and frees it at the second, with no
// cleanup or finalizer running in between. A checked test that Gets
// tracked objects from a package-level pool and Puts them back passes
// every time; its twin that keeps one in a global fails.
package syncpool

import (
	"sync"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Buffer struct {
	trackable.Trackable
	data [64]byte
}

var pool = sync.Pool{New: func() any { return trackable.Track(&Buffer{}) }}

var kept fixture.Kept[*Buffer]

func TestCleanGetAndPut(t *testing.T) {
	leakcheck.Check(t)
	var held []*Buffer
	for range 8 {
		held = append(held, pool.Get().(*Buffer))
	}
	for _, b := range held {
		b.data[0]++
		pool.Put(b)
	}
}

func TestLeakKeepsOne(t *testing.T) {
	leakcheck.Check(t)
	kept.Keep(pool.Get().(*Buffer))
}
