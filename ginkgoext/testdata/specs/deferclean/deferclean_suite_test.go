// Package deferclean pins the verdicts of ginkgoext.CheckSpecs on
// objects released by Ginkgo's DeferCleanup: a connection closed by
// DeferCleanup(c.Close), by a closure given to DeferCleanup, or by a
// DeferCleanup registered in BeforeEach or in an Ordered container's
// BeforeAll is not taken for a leak, in any order of the specs
// (-ginkgo.randomize-all with any seed) and under ginkgo -p. The specs
// labelled "leak" never close their connection, and fail with
// leakcheck's report.
package deferclean

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/trackable"
)

func TestDeferClean(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "deferclean")
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

var _ = Describe("DeferCleanup", func() {
	It("closes a connection with DeferCleanup(c.Close)", func() {
		c := dial("method value")
		DeferCleanup(c.Close)
		Expect(open.Has(c)).To(BeTrue())
	})

	It("closes a connection with a closure", func() {
		c := dial("closure")
		DeferCleanup(func() { c.Close() })
		Expect(open.Has(c)).To(BeTrue())
	})

	It("closes many connections", func() {
		for range 100 {
			DeferCleanup(dial("many").Close)
		}
	})

	Context("registered in BeforeEach", func() {
		BeforeEach(func() {
			c := dial("before each")
			DeferCleanup(c.Close)
		})

		It("runs a spec", func() {})
		It("runs another spec", func() {})
	})

	Context("in an Ordered container's BeforeAll", Ordered, func() {
		var c *Conn
		BeforeAll(func() {
			c = dial("before all")
			DeferCleanup(func() {
				c.Close()
				c = nil
			})
			local := dial("before all, local")
			DeferCleanup(local.Close)
		})

		It("uses the connection first", func() { Expect(open.Has(c)).To(BeTrue()) })
		It("uses it again", func() { Expect(open.Has(c)).To(BeTrue()) })
		It("uses it last", func() { Expect(open.Has(c)).To(BeTrue()) })
	})

	It("leaks a connection that it never closes", Label("leak"), func() {
		dial("never closed")
	})

	Context("in an Ordered container whose BeforeAll leaks", Ordered, func() {
		BeforeAll(func() {
			dial("never closed by BeforeAll")
			c := dial("closed by BeforeAll")
			DeferCleanup(c.Close)
		})

		It("runs first", func() {})
		It("runs last", Label("leak"), func() {})
	})
})
