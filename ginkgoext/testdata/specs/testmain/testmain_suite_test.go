// Package testmain pins CheckSpecs beside leakcheck.VerifyTestMain in a
// clean suite: what Ginkgo leaves running after RunSpecs (its interrupt
// handler, and under ginkgo -p its poller) and what its spec tree keeps
// (a container variable's last connection) is not the run's leak, and
// the run passes.
package testmain

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestTestMain(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "testmain")
}

var _ = ginkgoext.CheckSpecs()

type Conn struct {
	trackable.Trackable
	open bool
}

func dial(addr string) *Conn {
	c := trackable.Track(&Conn{open: true})
	c.SetDataBundle(addr)
	return c
}

func (c *Conn) Close() { c.open = false }

var _ = Describe("a suite with VerifyTestMain", func() {
	var c *Conn
	BeforeEach(func() {
		c = dial("a container variable's")
		DeferCleanup(c.Close)
	})

	It("uses a connection", func() { Expect(c.open).To(BeTrue()) })
	It("uses a connection again", func() { Expect(c.open).To(BeTrue()) })

})
