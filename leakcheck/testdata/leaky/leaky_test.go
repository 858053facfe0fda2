// Package leaky is a test suite in which one parallel test leaks while its
// siblings do not: only the leaking test must fail, every time.
package leaky

import (
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

var cache struct {
	sync.Mutex
	conns []*Conn
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

func churn(n int) {
	for i := range n {
		dial(i)
	}
}

func TestCleanSibling1(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	churn(5000)
}

func TestLeaksInParallel(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	churn(2000)
	c := dial(42)
	c.SetDataBundle("kept by the cache")
	cache.Lock()
	cache.conns = append(cache.conns, c)
	cache.Unlock()
}

func TestCleanSibling2(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	churn(5000)
}

func TestTable(t *testing.T) {
	for _, leak := range []bool{false, false, false} {
		t.Run("", func(t *testing.T) {
			leakcheck.Check(t)
			t.Parallel()
			churn(1000)
			_ = leak
		})
	}
}

// Parallel subtests that share one closure run the same code, so where an
// object was made cannot tell them apart; which goroutine made it can:
// only the subtest that kept its object fails. The barriers make sure both
// siblings are running when the objects are made (go test runs at least
// -parallel tests at once; the fixture test passes 4).
func TestSharedClosureLeaks(t *testing.T) {
	leakcheck.Check(t)
	var started, made sync.WaitGroup
	cases := []int{0, 1}
	started.Add(len(cases))
	made.Add(len(cases))
	for _, i := range cases {
		t.Run("", func(t *testing.T) {
			leakcheck.Check(t)
			t.Parallel()
			started.Done()
			started.Wait()
			c := dial(100 + i)
			if i == 1 {
				c.SetDataBundle("kept by one of the subtests")
				cache.Lock()
				cache.conns = append(cache.conns, c)
				cache.Unlock()
			}
			made.Done()
			made.Wait()
		})
	}
}
