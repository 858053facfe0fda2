// Package testifysuite pins the verdicts of Check in testify suites of
// the shape testify teaches: Check called from SetupTest with the
// method's own testing.T (s.T()), a connection in a field of the suite
// set in SetupTest and closed, not cleared, in TearDownTest, and a pool
// set in SetupSuite and closed in TearDownSuite. The suite's fields hold
// their last values until suite.Run returns: what only they hold is no
// leak. A method that keeps a connection in a registry, or leaves it to a
// goroutine that never ends, leaks, and the report names it, whether the
// suites run in parallel (TestParallel...) or one after the other
// (TestSequential...).
package testifysuite

import (
	"testing"

	"github.com/stretchr/testify/suite"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	Owner  string
	closed bool
}

func dial(owner string) *Conn { return trackable.Track(&Conn{Owner: owner}) }

func (c *Conn) Close() { c.closed = true }

// Pool is what SetupSuite opens for the whole suite.
type Pool struct {
	trackable.Trackable
	conns []*Conn
}

func (p *Pool) Close() {
	for _, c := range p.conns {
		c.Close()
	}
}

var kept fixture.Kept[*Conn]

// base checks every method of a suite that embeds it, and gives each
// method a connection in a field of the suite, which TearDownTest closes.
type base struct {
	suite.Suite
	pool *Pool
	conn *Conn
}

func (s *base) SetupSuite() {
	s.pool = trackable.Track(&Pool{conns: []*Conn{dial("pool"), dial("pool")}})
}

func (s *base) TearDownSuite() { s.pool.Close() }

func (s *base) SetupTest() {
	leakcheck.Check(s.T())
	s.conn = dial(s.T().Name())
}

func (s *base) TearDownTest() { s.conn.Close() }

// churn makes and drops connections, as a method under test would.
func churn(name string) {
	for range 200 {
		dial(name).Close()
	}
}

// SuiteA has a method that keeps a connection in a registry, and one
// that leaves one to a goroutine that never ends.
type SuiteA struct{ base }

func (s *SuiteA) TestCleanFirst() { churn(s.T().Name()) }

func (s *SuiteA) TestKeeps() {
	churn(s.T().Name())
	c := dial(s.T().Name())
	c.SetDataBundle("kept by SuiteA.TestKeeps")
	kept.Keep(c)
}

func (s *SuiteA) TestCleanLast() { churn(s.T().Name()) }

var never = make(chan struct{})

func (s *SuiteA) TestLeakGoroutine() {
	c := dial(s.T().Name())
	c.SetDataBundle("held by SuiteA.TestLeakGoroutine's goroutine")
	go func() {
		<-never
		c.Close()
	}()
}

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
	s.conn = dial("replaced") // a field set again within the method
}

func (s *SuiteB) TestSkipped() {
	s.T().Skip("skipped after SetupTest set the field")
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

// SuiteC checks the suite as a whole, from SetupSuite with the suite's
// own test: the suite's test is judged once suite.Run returns, when its
// fields hold nothing any more, and what a method kept is its leak.
type SuiteC struct {
	suite.Suite
	conn *Conn
}

func (s *SuiteC) SetupSuite()    { leakcheck.Check(s.T()) }
func (s *SuiteC) SetupTest()     { s.conn = dial(s.T().Name()) }
func (s *SuiteC) TearDownTest()  { s.conn.Close() }
func (s *SuiteC) TestCleanUses() { churn(s.T().Name()) }

func (s *SuiteC) TestKeepsForTheSuite() {
	c := dial(s.T().Name())
	c.SetDataBundle("kept by SuiteC.TestKeepsForTheSuite")
	kept.Keep(c)
}

func TestSequentialSuiteC(t *testing.T) { suite.Run(t, new(SuiteC)) }

// SuitePanics keeps a connection and then panics in TearDownSuite: the
// panic fails its test, and no leak report comes on top of it.
type SuitePanics struct{ base }

func (s *SuitePanics) TestKeepsThenPanics() { kept.Keep(dial(s.T().Name())) }

func (s *SuitePanics) TearDownSuite() { panic("TearDownSuite panics") }

func TestSequentialSuitePanics(t *testing.T) { suite.Run(t, new(SuitePanics)) }

// SuiteD checks each subtest, from SetupSubTest with the subtest's own
// test: a field set there and closed in TearDownSubTest holds the last
// subtest's connection until suite.Run returns, which is no leak, at any
// depth of subtests; a row that keeps its connection in a registry leaks,
// and the report names the row. SuiteD checks its methods too.
type SuiteD struct {
	base
	row *Conn
}

func (s *SuiteD) SetupSubTest() {
	leakcheck.Check(s.T())
	s.row = dial(s.T().Name())
}

func (s *SuiteD) TearDownSubTest() { s.row.Close() }

func (s *SuiteD) TestCleanRows() {
	for _, name := range []string{"a", "b", "c"} {
		s.Run(name, func() { churn(s.T().Name()) })
	}
	s.Run("outer", func() {
		s.Run("inner", func() { churn(s.T().Name()) })
	})
}

func (s *SuiteD) TestRows() {
	for _, name := range []string{"first", "keeps", "last"} {
		s.Run(name, func() {
			if name == "keeps" {
				c := dial(s.T().Name())
				c.SetDataBundle("kept by SuiteD.TestRows/keeps")
				kept.Keep(c)
			}
		})
	}
}

func TestSequentialSuiteD(t *testing.T) { suite.Run(t, new(SuiteD)) }
