// Package eachspec pins what ginkgoext.CheckEachSpec says about a suite
// whose specs undo each other's leaks: one spec leaves its connection in
// a registry, another empties the registry. Judged at its own end, the
// spec that leaves the connection fails, at its own line, in every order
// of the suite and under ginkgo -p, wherever the spec that empties the
// registry runs; container variables that hold closed connections pass
// as under CheckSpecs.
package eachspec

import (
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/trackable"
)

func TestEachSpec(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "eachspec")
}

var _ = ginkgoext.CheckEachSpec()

type Conn struct {
	trackable.Trackable
	Addr   string
	closed bool
}

func dial(addr string) *Conn {
	c := &Conn{Addr: addr}
	c.SetDataBundle(addr)
	return trackable.Track(c)
}

func (c *Conn) Close() { c.closed = true }

// registry is a package variable that keeps what it is given until it is
// reset.
var registry struct {
	sync.Mutex
	conns []*Conn
}

func register(c *Conn) {
	registry.Lock()
	defer registry.Unlock()
	registry.conns = append(registry.conns, c)
}

func reset() {
	registry.Lock()
	defer registry.Unlock()
	registry.conns = nil
}

var _ = Describe("a suite whose specs undo each other's leaks", func() {
	Context("with a connection that the registry keeps", func() {
		var c *Conn
		BeforeEach(func() {
			c = dial("kept by the registry")
			DeferCleanup(c.Close)
		})

		It("registers the connection", func() { register(c) })
	})

	Context("with a spec that empties the registry", func() {
		It("resets the registry", func() { reset() })
	})

	Context("with connections that only container variables hold", func() {
		var c *Conn
		BeforeEach(func() {
			c = dial("closed by DeferCleanup")
			DeferCleanup(c.Close)
		})

		It("uses the connection", func() { Expect(c.Addr).NotTo(BeEmpty()) })
		It("uses the connection again", func() { Expect(c.Addr).NotTo(BeEmpty()) })
	})

	Context("in an Ordered container", Ordered, func() {
		var c *Conn
		BeforeAll(func() {
			c = dial("set in BeforeAll")
			DeferCleanup(c.Close)
		})

		It("uses the connection first", func() { Expect(c.closed).To(BeFalse()) })
		It("uses the connection second", func() { Expect(c.closed).To(BeFalse()) })
	})
})
