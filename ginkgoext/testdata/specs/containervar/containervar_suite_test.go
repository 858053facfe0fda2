// Package containervar pins what ginkgoext.CheckSpecs says about a
// connection held by a container variable (var c *Conn, set in
// BeforeEach): if nothing clears the variable, the connection outlives
// the spec, which fails, and the failure tells what holds it and what to
// do; cleared in AfterEach (c = nil), or by a DeferCleanup that clears
// it, the spec passes, in any order of the suite and under ginkgo -p.
package containervar

import (
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/trackable"
)

func TestContainerVar(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "containervar")
}

var _ = ginkgoext.CheckSpecs()

type Conn struct {
	trackable.Trackable
	Addr string
}

// open holds every connection until it is closed, as a client library's
// table of open connections does.
var open struct {
	sync.Mutex
	conns map[*Conn]struct{}
}

func dial(addr string) *Conn {
	c := &Conn{Addr: addr}
	c.SetDataBundle(addr)
	trackable.Track(c)
	open.Lock()
	defer open.Unlock()
	if open.conns == nil {
		open.conns = map[*Conn]struct{}{}
	}
	open.conns[c] = struct{}{}
	return c
}

func (c *Conn) Close() {
	open.Lock()
	defer open.Unlock()
	delete(open.conns, c)
}

func use(c *Conn) {
	open.Lock()
	defer open.Unlock()
	Expect(open.conns).To(HaveKey(c))
}

var _ = Describe("a container variable", func() {
	Context("closed in AfterEach but never cleared", func() {
		var c *Conn
		BeforeEach(func() { c = dial("closed, not cleared") })
		AfterEach(func() { c.Close() })

		It("keeps the connection after the spec", Label("leak"), func() { use(c) })
	})

	Context("closed by DeferCleanup(c.Close) but never cleared", func() {
		var c *Conn
		BeforeEach(func() {
			c = dial("closed by DeferCleanup, not cleared")
			DeferCleanup(c.Close)
		})

		It("keeps the connection after the spec too", Label("leak"), func() { use(c) })
	})

	Context("closed and cleared in AfterEach", func() {
		var c *Conn
		BeforeEach(func() { c = dial("cleared in AfterEach") })
		AfterEach(func() {
			c.Close()
			c = nil
		})

		It("uses the connection", func() { use(c) })
		It("uses the connection again", func() { use(c) })
	})

	Context("closed and cleared by DeferCleanup", func() {
		var c *Conn
		BeforeEach(func() {
			c = dial("cleared by DeferCleanup")
			DeferCleanup(func() {
				c.Close()
				c = nil
			})
		})

		It("uses the connection", func() { use(c) })
		It("uses the connection again", func() { use(c) })
	})

	Context("set in the spec and cleared by DeferCleanup", func() {
		var c *Conn

		It("uses the connection", func() {
			c = dial("set in the spec")
			DeferCleanup(func() { c = nil })
			use(c)
			c.Close()
		})
	})
})
