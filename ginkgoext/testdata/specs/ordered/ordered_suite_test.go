// Package ordered pins how ginkgoext.CheckSpecs judges Ordered
// containers: as a whole, after their last spec, and named by the
// container. An Ordered container whose third spec keeps a connection
// fails on that spec with a report that names the container, never its
// first spec; so does one whose first spec keeps it (the verdict is the
// container's, at its end). An Ordered container whose specs share a
// connection made in BeforeAll and closed in AfterAll passes, in any
// order of the suite (-ginkgo.randomize-all with any seed) and under
// ginkgo -p.
package ordered

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/trackable"
)

func TestOrdered(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ordered")
}

var _ = ginkgoext.CheckSpecs()

type Conn struct {
	trackable.Trackable
	Addr string
}

func dial(addr string) *Conn {
	c := &Conn{Addr: addr}
	c.SetDataBundle(addr)
	return trackable.Track(c)
}

var kept fixture.Kept[*Conn]

// use stands for work done with a connection.
func use(c *Conn) {
	Expect(c).NotTo(BeNil())
	Expect(c.Addr).NotTo(BeEmpty())
}

var _ = Describe("an Ordered container whose third spec keeps a connection", Ordered, func() {
	It("dials and drops a connection first", func() { use(dial("first")) })
	It("dials and drops another one", func() { use(dial("second")) })
	It("keeps the third", Label("leak"), func() { kept.Keep(dial("kept by the third spec")) })
})

var _ = Describe("an Ordered container whose first spec keeps a connection", Ordered, func() {
	It("keeps a connection first", func() { kept.Keep(dial("kept by the first spec")) })
	It("dials and drops one", func() { use(dial("second")) })
	It("ends the container", Label("leak"), func() { use(dial("third")) })
})

var _ = Describe("an Ordered container sharing a connection", Ordered, func() {
	var c *Conn
	BeforeAll(func() { c = dial("shared") })
	AfterAll(func() { c = nil })

	It("uses the shared connection", func() { use(c) })
	It("uses it with one of its own", func() {
		use(c)
		use(dial("own"))
	})
	It("uses it last", func() { use(c) })
})

var _ = Describe("an Ordered container with BeforeEach and AfterEach", Ordered, func() {
	var shared, each *Conn
	BeforeAll(func() { shared = dial("shared") })
	AfterAll(func() { shared = nil })
	BeforeEach(func() { each = dial("each") })
	AfterEach(func() { each = nil })

	It("uses both", func() {
		use(shared)
		use(each)
	})
	It("uses both again", func() {
		use(shared)
		use(each)
	})
})

var _ = Describe("a spec outside Ordered containers", func() {
	It("dials and drops a connection", func() { use(dial("unordered")) })
})
