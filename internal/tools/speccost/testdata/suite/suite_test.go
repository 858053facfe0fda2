// Package suite is the Ginkgo suite that package speccost runs: 200
// specs in 50 containers, each with a container variable set in
// BeforeEach and closed by DeferCleanup, the shape Ginkgo teaches. The
// mode, from SPECCOST_MODE, says what runs: "closed" (CheckSpecs, the
// variable closed and not cleared), "cleared" (CheckSpecs, the variable
// cleared too: c = nil, nothing survives a spec), "none" (no CheckSpecs)
// or "each" ("closed" under CheckEachSpec, one heap search per spec,
// which make bench-specs leaves out). After the suite, it prints the heap
// dumps the process wrote.
package suite

import (
	"fmt"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/internal/heapdump"
	"github.com/objtrack/objtrack/trackable"
)

var mode = os.Getenv("SPECCOST_MODE")

func TestSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "speccost")
	fmt.Printf("heap dumps: %d\n", heapdump.Written())
}

var _ = mode != "none" && mode != "each" && ginkgoext.CheckSpecs()

var _ = mode == "each" && ginkgoext.CheckEachSpec()

type Conn struct {
	trackable.Trackable
	Addr  string
	rows  []string
	alive bool
}

func dial(addr string) *Conn {
	return trackable.Track(&Conn{Addr: addr, rows: make([]string, 16), alive: true})
}

func (c *Conn) Close() { c.alive = false }

var _ = Describe("a client", func() {
	for i := range 50 {
		Context(fmt.Sprintf("of database %d", i), func() {
			var c *Conn
			BeforeEach(func() {
				c = dial(fmt.Sprintf("db%d:5432", i))
				DeferCleanup(c.Close)
				if mode == "cleared" {
					DeferCleanup(func() { c = nil })
				}
			})
			for j := range 4 {
				It(fmt.Sprintf("runs query %d", j), func() { Expect(c.alive).To(BeTrue()) })
			}
		})
	}
})
