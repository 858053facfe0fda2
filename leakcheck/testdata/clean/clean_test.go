// Package clean is a test suite that releases everything it tracks, under
// VerifyTestMain and Check, with parallel tests: it must pass every time.
package clean

import (
	"runtime"
	"sync"
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

type Conn struct {
	trackable.Trackable
	ID int
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

func churn(n int) {
	var keep []*Conn
	for i := range n {
		keep = append(keep, dial(i))
		if len(keep) > 16 {
			keep = keep[:0]
		}
	}
}

func TestSequential(t *testing.T) {
	leakcheck.Check(t)
	churn(1000)
}

func TestParallelA(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	churn(5000)
}

func TestParallelB(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { churn(2000) })
	}
	wg.Wait()
}

func TestParallelC(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	c := dial(1)
	t.Cleanup(func() { runtime.KeepAlive(c) })
	churn(3000)
}

func TestTable(t *testing.T) {
	leakcheck.Check(t)
	for _, n := range []int{100, 200, 300, 400} {
		t.Run("", func(t *testing.T) {
			leakcheck.Check(t)
			t.Parallel()
			churn(n)
		})
	}
}

// link is a tracked object whose cleanup holds the next one: freeing a
// chain of n takes n garbage collections.
type link struct {
	trackable.Trackable
}

func release(*link) {}

//go:noinline
func makeChain(n int) {
	var next *link
	for range n {
		l := trackable.Track(&link{})
		runtime.AddCleanup(l, release, next)
		next = l
	}
}

func TestChainOf100(t *testing.T) {
	leakcheck.Check(t)
	makeChain(100)
}

func TestMillionObjects(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutStacks())
	churn(1_000_000)
}
