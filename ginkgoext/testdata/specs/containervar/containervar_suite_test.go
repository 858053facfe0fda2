// Package containervar pins what ginkgoext.CheckSpecs says about the
// shape Ginkgo teaches: a container variable (var c *Conn) set in a
// setup node and closed, not cleared, in AfterEach or by DeferCleanup.
// Ginkgo's spec tree keeps the variable, and so the closed connection,
// until the next setup replaces it or the process ends: every such spec
// passes, in any order of the suite and under ginkgo -p. A spec that
// keeps a connection in a registry, or leaves it to a goroutine that
// never ends, fails the suite, named with what holds its connection,
// though a container variable holds it too.
package containervar

import (
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/internal/testsupport/fixture"
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
var open fixture.Open[*Conn]

func dial(addr string) *Conn {
	c := &Conn{Addr: addr}
	c.SetDataBundle(addr)
	trackable.Track(c)
	return open.Add(c)
}

func (c *Conn) Close() {
	open.Remove(c)
}

func use(c *Conn) {
	Expect(open.Has(c)).To(BeTrue(), "the connection is closed")
}

// registry is a package variable that keeps what it is given.
var registry struct {
	sync.Mutex
	conns []*Conn
}

func register(c *Conn) {
	registry.Lock()
	defer registry.Unlock()
	registry.conns = append(registry.conns, c)
}

var never = make(chan struct{})

var _ = Describe("a container variable", func() {
	Context("set in BeforeEach and closed in AfterEach", func() {
		var c *Conn
		BeforeEach(func() { c = dial("closed in AfterEach") })
		AfterEach(func() { c.Close() })

		It("uses the connection", func() { use(c) })
		It("uses the connection again", func() { use(c) })
		It("is skipped", func() { Skip("skipped after BeforeEach set the variable") })
	})

	Context("closed by DeferCleanup(c.Close)", func() {
		var c *Conn
		BeforeEach(func() {
			c = dial("closed by DeferCleanup")
			DeferCleanup(c.Close)
		})

		It("uses the connection", func() { use(c) })

		Context("in a nested container with a variable of its own", func() {
			var inner *Conn
			JustBeforeEach(func() {
				inner = dial("set in JustBeforeEach")
				DeferCleanup(func() { inner.Close() })
			})

			It("uses both connections", func() {
				use(c)
				use(inner)
			})
		})
	})

	Context("set in BeforeAll of an Ordered container", Ordered, func() {
		var c *Conn
		BeforeAll(func() {
			c = dial("set in BeforeAll")
			DeferCleanup(c.Close)
		})

		It("uses the connection first", func() { use(c) })
		It("uses the connection second", func() { use(c) })
	})

	Context("set in the spec and closed by DeferCleanup", func() {
		var c *Conn

		It("uses the connection", func() {
			c = dial("set in the spec")
			DeferCleanup(c.Close)
			use(c)
		})
	})

	Context("whose connection a registry keeps too", func() {
		var c *Conn
		BeforeEach(func() {
			c = dial("kept by the registry")
			DeferCleanup(c.Close)
		})

		It("registers the connection", Label("leak"), func() { register(c) })
	})

	Context("whose connection a goroutine keeps too", func() {
		var c *Conn
		BeforeEach(func() {
			c = dial("kept by a goroutine")
			DeferCleanup(c.Close)
		})

		It("leaves the connection to a goroutine", Label("leak"), func() {
			held := c
			go func() {
				<-never
				use(held)
			}()
		})
	})
})
