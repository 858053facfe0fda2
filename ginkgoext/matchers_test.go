package ginkgoext_test

import (
	"reflect"
	"runtime"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/internal/typename"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// Conn is tracked for real; Fed only ever receives synthetic events, so
// that messages about it are the same on every run.
type Conn struct {
	trackable.Trackable
}

type Fed struct {
	next *NotYet //lint:ignore U1000 only here to put NotYet in the program: the linker keeps only the types that code uses
}

type Other struct{}

// NotYet is a type of the program that no spec counts.
type NotYet struct{}

var fedType = reflect.TypeFor[Fed]()

// heldConns keeps connections alive past a spec, as a leaky program's
// registry would.
var heldConns []*Conn

func fedInventory() *trackable.Inventory {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(fedType, true)
	for i := uint64(1); i <= 7; i++ {
		inv.NotifyAttached(trackable.Event{Serial: i, Type: fedType, Bundle: int(i) * 10})
	}
	inv.NotifyDestroyed(trackable.Event{Serial: 7, Type: fedType})
	inv.NotifyAttached(trackable.Event{Serial: 8, Type: reflect.TypeFor[Other]()})
	inv.NotifyDestroyed(trackable.Event{Serial: 8, Type: reflect.TypeFor[Other]()})
	return inv
}

// useInventory makes inv the global tracker for the spec.
// InitConn is tracked at package initialization, before any check, into
// initInventory, and again by a spec under a check.
type InitConn struct{ trackable.Trackable }

var initInventory, initConns = func() (*trackable.Inventory, []*InitConn) {
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(prev)
	return inv, []*InitConn{trackable.Track(&InitConn{})}
}()

func useInventory(inv *trackable.Inventory) {
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	DeferCleanup(func() { trackable.SetGlobalTracker(prev) })
}

var _ = Describe("HaveNoLive", func() {
	It("passes when the objects were freed, without Eventually", func() {
		inv := trackable.NewInventory()
		useInventory(inv)
		func() {
			for range 10 {
				trackable.Track(&Conn{})
			}
		}()
		Expect(inv).To(ginkgoext.HaveNoLive("Conn"))
		Expect(inv).To(ginkgoext.HaveRetired("ginkgoext_test.Conn", 10))
	})

	It("fails with the serials and bundles of the survivors", func() {
		m := ginkgoext.HaveNoLive("Fed")
		ok, err := m.Match(fedInventory())
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		golden.Assert(GinkgoT(), "ginkgoext/have_no_live.golden", []byte(m.FailureMessage(nil)))
	})

	It("says where survivors were made when leakcheck recorded it", func() {
		inv := trackable.NewInventory()
		useInventory(inv)
		// A leakcheck scope started over the inventory records creation
		// sites and forwards every event to it.
		leakcheck.Check(GinkgoT(), leakcheck.WithoutGoroutines())
		kept := trackable.Track(&Conn{})
		m := ginkgoext.HaveNoLive("Conn")
		ok, err := m.Match(inv)
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		Expect(m.FailureMessage(inv)).To(ContainSubstring("ginkgoext_test.Conn: 1 live"))
		Expect(m.FailureMessage(inv)).To(MatchRegexp(`ginkgoext_test\.init\.func\S+ \(ginkgoext/matchers_test\.go:\d+\)`))
		runtime.KeepAlive(kept)
		kept = nil
	})

	It("says what holds survivors when leakcheck recorded them", func() {
		inv := trackable.NewInventory()
		useInventory(inv)
		leakcheck.Check(GinkgoT(), leakcheck.WithoutGoroutines())
		heldConns = append(heldConns, trackable.Track(&Conn{}))
		DeferCleanup(func() { heldConns = nil })
		m := ginkgoext.HaveNoLive("Conn")
		Expect(m.Match(inv)).To(BeFalse())
		Expect(m.FailureMessage(inv)).To(MatchRegexp(`held by:\n\s+global  ginkgoext_test\.heldConns\[\d+\]\n\s+-> \*ginkgoext_test\.Conn  serial \d+\n`))
	})

	It("counts the survivors that no check recorded", func() {
		useInventory(initInventory)
		leakcheck.Check(GinkgoT(), leakcheck.WithoutGoroutines())
		initConns = append(initConns, trackable.Track(&InitConn{}))
		DeferCleanup(func() { initConns = slices.Clone(initConns[:1]) })
		m := ginkgoext.HaveNoLive("InitConn")
		Expect(m.Match(initInventory)).To(BeFalse())
		msg := m.FailureMessage(initInventory)
		Expect(msg).To(ContainSubstring("ginkgoext_test.InitConn: 2 live"))
		Expect(msg).To(ContainSubstring("\n    1 made at\n"))
		Expect(msg).To(ContainSubstring("\n    and 1 more, made where no check recorded them\n"))
	})

	It("with no names, judges every type", func() {
		Expect(fedInventory()).NotTo(ginkgoext.HaveNoLive())
		Expect(trackable.NewInventory()).To(ginkgoext.HaveNoLive())
	})

	It("has a negated message", func() {
		m := ginkgoext.HaveNoLive("Other")
		ok, err := m.Match(fedInventory())
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeTrue())
		golden.Assert(GinkgoT(), "ginkgoext/have_no_live_negated.golden", []byte(m.NegatedFailureMessage(nil)))
	})
})

var _ = Describe("type names", func() {
	It("accepts the bare, the package-qualified and the full name", func() {
		inv := fedInventory()
		for _, name := range []string{"Fed", "ginkgoext_test.Fed", "github.com/objtrack/objtrack/ginkgoext_test.Fed"} {
			Expect(inv).To(ginkgoext.HaveLive(name, 6), name)
		}
	})

	It("counts 0 for a type of the program that was not tracked yet, whatever ran before", func() {
		inv := fedInventory()
		Expect(inv).To(ginkgoext.HaveNoLive("NotYet"))
		Expect(inv).To(ginkgoext.HaveLive("ginkgoext_test.NotYet", 0))
		Expect(inv).To(ginkgoext.HaveRetired("NotYet", 0))
		Expect(inv).To(ginkgoext.HaveAtMostLive("NotYet", 0))
		Expect(inv).NotTo(ginkgoext.HaveGrownSince(inv.Snapshot(), "NotYet"))
		// A type that cannot be tracked is a type all the same.
		Expect(inv).To(ginkgoext.HaveNoLive("bytes.Buffer"))
		// A count it cannot have fails, and says why.
		m := ginkgoext.HaveLive("NotYet", 1)
		ok, err := m.Match(inv)
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		why := "no object of this type tracked yet"
		if !typename.Listed {
			why = "no type of this name tracked yet" // it may be a typo
		}
		Expect(m.FailureMessage(inv)).To(HavePrefix("Expected exactly 1 live of NotYet, but:\n\n  NotYet: " + why + ", so none live and none retired\n"))
		m = ginkgoext.HaveNoLive("NotYet")
		Expect(m.Match(inv)).To(BeTrue())
		Expect(m.NegatedFailureMessage(inv)).To(Equal("Expected some live objects of NotYet, but there are:\n\n  NotYet: " + why + "\n"))
	})

	It("counts 0 for any name where the program's types cannot be listed, and lists the counted types", func() {
		if typename.Listed {
			Skip("the program's types are listed: see the next spec")
		}
		m := ginkgoext.HaveLive("Fedd", 1)
		ok, err := m.Match(fedInventory())
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(ContainSubstring("Fedd: no type of this name tracked yet, so none live and none retired\n    (tracked types: github.com/objtrack/objtrack/ginkgoext_test.Fed, github.com/objtrack/objtrack/ginkgoext_test.Other)"))
	})

	It("refuses a name that names no type of the program, in every matcher, before settling", func() {
		if !typename.Listed {
			Skip("built with objtrack_nolinkname: the program's types cannot be listed")
		}
		inv := fedInventory()
		settled := 0
		snapshot := func() *trackable.Inventory { settled++; return inv }
		for _, c := range []struct {
			m    types.GomegaMatcher
			want string
		}{
			{ginkgoext.HaveNoLive("Fed", "Fedd"), `HaveNoLive("Fedd") names no type of the program; did you mean "ginkgoext_test.Fed"?`},
			{ginkgoext.HaveLive("ginkgoext_test.Fedd", 6), `HaveLive("ginkgoext_test.Fedd") names no type of the program; did you mean "ginkgoext_test.Fed"?`},
			{ginkgoext.HaveAtMostLive("elsewhere.Conn", 1), `HaveAtMostLive("elsewhere.Conn") names no type of the program; did you mean "ginkgoext_test.Conn"?`},
			{ginkgoext.HaveRetired("Connn", 0), `HaveRetired("Connn") names no type of the program; did you mean "ginkgoext_test.Conn"?`},
			{ginkgoext.HaveGrownSince(inv.Snapshot(), "Sesion"), `HaveGrownSince("Sesion") names no type of the program; did you mean "ginkgoext_test.Session"?`},
			{ginkgoext.HaveNoLive("*ginkgoext_test.Fed"), `HaveNoLive("*ginkgoext_test.Fed") names a pointer type, and objects are named by the type they point to: write "ginkgoext_test.Fed"`},
			{ginkgoext.HaveNoLive("NoSuchTypeAnywhereAtAll"), `HaveNoLive("NoSuchTypeAnywhereAtAll") names no type of the program; name a type that the program has, as "Conn", "db.Conn" or "example.com/db.Conn" (the linker leaves out a type that no code of the program uses)`},
		} {
			ok, err := c.m.Match(snapshot)
			Expect(err).To(MatchError(c.want))
			Expect(ok).To(BeFalse())
		}
		Expect(settled).To(BeZero(), "a misspelt name is refused before the inventory is read")
	})

	It("refuses what it cannot judge", func() {
		_, err := ginkgoext.HaveLive("Fed", 1).Match("an inventory")
		Expect(err).To(MatchError("HaveLive expects a *trackable.Inventory, a trackable.Snapshot or a function returning one, got string"))
		_, err = ginkgoext.HaveLive("Fed", -1).Match(fedInventory())
		Expect(err).To(MatchError(`HaveLive("Fed", -1): the count must be 0 or more`))
		var nilInv *trackable.Inventory
		_, err = ginkgoext.HaveNoLive().Match(nilInv)
		Expect(err).To(HaveOccurred())
	})
})

var _ = Describe("counts", func() {
	It("HaveLive, HaveAtMostLive and HaveRetired read snapshots as they are", func() {
		snap := fedInventory().Snapshot()
		Expect(snap).To(ginkgoext.HaveLive("Fed", 6))
		Expect(&snap).To(ginkgoext.HaveAtMostLive("Fed", 6))
		Expect(snap).NotTo(ginkgoext.HaveAtMostLive("Fed", 5))
		Expect(snap).To(ginkgoext.HaveRetired("Fed", 1))
		Expect(snap).To(ginkgoext.HaveRetired("Other", 1))
	})

	It("fails HaveLive with what there is", func() {
		m := ginkgoext.HaveLive("Fed", 2)
		ok, err := m.Match(fedInventory().Snapshot())
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		golden.Assert(GinkgoT(), "ginkgoext/have_live.golden", []byte(m.FailureMessage(nil)))
	})

	It("works with Eventually on a function", func() {
		inv := fedInventory()
		calls := 0
		Eventually(func() trackable.Snapshot {
			calls++
			if calls == 3 {
				inv.NotifyDestroyed(trackable.Event{Serial: 1, Type: fedType})
			}
			return inv.Snapshot()
		}).WithPolling(0).Should(ginkgoext.HaveLive("Fed", 5))
		Eventually(func() *trackable.Inventory { return inv }).Should(ginkgoext.HaveAtMostLive("Fed", 5))
	})
})

var _ = Describe("HaveGrownSince", func() {
	It("tells growth between two snapshots", func() {
		inv := fedInventory()
		before := inv.Snapshot()
		Expect(inv.Snapshot()).NotTo(ginkgoext.HaveGrownSince(before, "Fed"))
		inv.NotifyAttached(trackable.Event{Serial: 20, Type: fedType, Bundle: "new"})
		m := ginkgoext.HaveGrownSince(before, "Fed")
		ok, err := m.Match(inv.Snapshot())
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeTrue())
		golden.Assert(GinkgoT(), "ginkgoext/have_grown_negated.golden", []byte(m.NegatedFailureMessage(nil)))
		Expect(m.FailureMessage(nil)).To(Equal("Expected Fed to have grown, but it has 7 live now and had 6 before"))
	})
})
