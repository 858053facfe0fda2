// Package uncheckedmain is package unchecked with VerifyTestMain: the
// checked parallel test that drops its objects passes, while unchecked
// parallel tests keep objects in a global at the same time; those objects
// are no test's, and VerifyTestMain fails the run for them at the end.
//
// The tests meet twice (after they start, after they made their objects)
// so that every object is made while all of them run: run them with
// -test.parallel of 4 or more.
package uncheckedmain

import (
	"sync"
	"testing"
	"time"

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

var kept struct {
	sync.Mutex
	conns []*Conn
}

func keep(c *Conn) {
	kept.Lock()
	defer kept.Unlock()
	kept.conns = append(kept.conns, c)
}

// meeting lets the parallel tests of one -test.count round wait for each
// other.
type meeting struct {
	mu      sync.Mutex
	n       int
	arrived int
	all     chan struct{}
}

func (m *meeting) wait() {
	m.mu.Lock()
	if m.all == nil {
		m.all = make(chan struct{})
	}
	all := m.all
	if m.arrived++; m.arrived == m.n {
		close(all)
		m.arrived, m.all = 0, nil
	}
	m.mu.Unlock()
	select {
	case <-all:
	case <-time.After(2 * time.Second): // a test was left out by -test.run
	}
}

// The checked test and the three keepers.
const meetingSize = 4

var started, made = &meeting{n: meetingSize}, &meeting{n: meetingSize}

func TestCleanCheckedAmongKeepers(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	started.wait()
	for i := range 1000 {
		dial(i)
	}
	made.wait()
}

func keeper(t *testing.T) {
	t.Parallel()
	started.wait()
	for i := range 300 {
		c := dial(i)
		c.SetDataBundle("kept by an unchecked test")
		keep(c)
	}
	made.wait()
}

func TestKeeperA(t *testing.T) { keeper(t) }
func TestKeeperB(t *testing.T) { keeper(t) }
func TestKeeperC(t *testing.T) { keeper(t) }
