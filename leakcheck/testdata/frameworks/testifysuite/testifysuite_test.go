// Package testifysuite pins the verdicts of Check in testify suites,
// called from SetupTest with the method's own testing.T (s.T()): each
// method is a subtest of its suite and is judged alone, so the one method
// that keeps an object fails, and the other methods of its suite and
// every method of the other suite pass, whether the two suites run in
// parallel (TestParallel...) or one after the other (TestSequential...).
package testifysuite

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/suite"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	Owner string
}

func dial(owner string) *Conn { return trackable.Track(&Conn{Owner: owner}) }

func (c *Conn) Close() {}

var kept struct {
	sync.Mutex
	conns []*Conn
}

func keep(c *Conn) {
	kept.Lock()
	defer kept.Unlock()
	kept.conns = append(kept.conns, c)
}

// base checks every method of a suite that embeds it, and gives each
// method a connection in a field of the suite, which TearDownTest closes
// and clears before the verdict.
type base struct {
	suite.Suite
	conn *Conn
}

func (s *base) SetupTest() {
	leakcheck.Check(s.T())
	s.conn = dial(s.T().Name())
}

func (s *base) TearDownTest() {
	s.conn.Close()
	s.conn = nil
}

// churn makes and drops connections, as a method under test would.
func churn(name string) {
	for range 200 {
		dial(name).Close()
	}
}

// SuiteA has the method that leaks.
type SuiteA struct{ base }

func (s *SuiteA) TestCleanFirst() { churn(s.T().Name()) }

func (s *SuiteA) TestLeaks() {
	churn(s.T().Name())
	c := dial(s.T().Name())
	c.SetDataBundle("kept by SuiteA.TestLeaks")
	keep(c)
}

func (s *SuiteA) TestCleanLast() { churn(s.T().Name()) }

// SuiteB leaks nothing.
type SuiteB struct{ base }

func (s *SuiteB) TestCleanOne() { churn(s.T().Name()) }

func (s *SuiteB) TestCleanTwo() {
	conns := make([]*Conn, 50)
	for i := range conns {
		conns[i] = dial(s.T().Name())
	}
	for _, c := range conns {
		c.Close()
	}
}

func (s *SuiteB) TestCleanThree() { churn(s.T().Name()) }

func TestParallelSuiteA(t *testing.T) {
	t.Parallel()
	suite.Run(t, new(SuiteA))
}

func TestParallelSuiteB(t *testing.T) {
	t.Parallel()
	suite.Run(t, new(SuiteB))
}

func TestSequentialSuiteA(t *testing.T) { suite.Run(t, new(SuiteA)) }

func TestSequentialSuiteB(t *testing.T) { suite.Run(t, new(SuiteB)) }
