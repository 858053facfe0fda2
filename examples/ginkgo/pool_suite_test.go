package pool

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/trackable"
)

func TestPool(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "pool")
}

// Every spec is judged: objects it tracked must not outlive it.
var _ = ginkgoext.CheckSpecs()

// inv counts every connection; specs assert on it with the matchers.
var inv = trackable.NewInventory()

var _ = BeforeSuite(func() {
	trackable.SetGlobalTracker(inv)
	DeferCleanup(func() { trackable.SetGlobalTracker(nil) })
})

var _ = Describe("Pool", func() {
	It("reuses idle connections", func() {
		p := &Pool{Addr: "db:5432", Max: 2}
		a := p.Get()
		p.Put(a)
		Expect(p.Get()).To(BeIdenticalTo(a))
	})

	It("keeps no more than Max idle connections", func() {
		p := &Pool{Addr: "db:5432", Max: 2}
		DeferCleanup(p.Close)
		var conns []*Conn
		for range 5 {
			conns = append(conns, p.Get())
		}
		for _, c := range conns {
			p.Put(c)
		}
		conns = nil
		Expect(inv).To(ginkgoext.HaveAtMostLive("pool.Conn", 2))
	})

	It("frees everything on Close", func() {
		p := &Pool{Addr: "db:5432", Max: 3}
		for range 3 {
			p.Put(p.Get())
		}
		p.Close()
		Expect(inv).To(ginkgoext.HaveNoLive("Conn"))
	})

	It("does not grow under load", func() {
		p := &Pool{Addr: "db:5432", Max: 4}
		DeferCleanup(p.Close)
		for range 4 {
			p.Put(p.Get()) // warm up
		}
		before := inv.Snapshot()
		for range 1000 {
			p.Put(p.Get())
		}
		Expect(inv).NotTo(ginkgoext.HaveGrownSince(before, "Conn"))
	})
})
