// Package ginkgonames pins how ginkgoext's matchers take type names. They
// accept a type that the inventory has not counted yet: a spec that
// makes no Conn expects HaveNoLive("Conn") and passes whether or not a
// spec that makes and drops a Conn ran before it (-ginkgo.randomize-all
// with any seed), and Pool, a type of the program that nothing tracks,
// counts 0 in every order. The spec labelled "typo" misspells Conn and
// fails every time, in any order, with a message that names the type it
// misspells. The spec labelled "leak" keeps a Conn and fails, reported
// by ginkgoext.CheckSpecs; it is run on its own.
package ginkgonames

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/trackable"
)

func TestNames(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ginkgonames")
}

var _ = ginkgoext.CheckSpecs()

type Conn struct {
	trackable.Trackable
	ID int
}

type Session struct {
	trackable.Trackable
	ID   int
	pool *Pool // puts Pool in the program, though none is ever made
}

// Pool is a type of the program that no spec tracks.
type Pool struct {
	trackable.Trackable
	conns []*Conn
}

// inv counts every tracked object of the suite.
var inv = trackable.NewInventory()

var _ = BeforeSuite(func() {
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	DeferCleanup(func() { trackable.SetGlobalTracker(prev) })
})

var kept fixture.Kept[*Conn]

var _ = Describe("type names", func() {
	It("finds no live Conn where none was made", func() {
		for i := range 10 {
			trackable.Track(&Session{ID: i})
		}
		Expect(inv).To(ginkgoext.HaveNoLive("Conn"))
	})

	It("finds no live Conn after dropping one", func() {
		trackable.Track(&Conn{ID: 1})
		Expect(inv).To(ginkgoext.HaveNoLive("Conn"))
	})

	It("finds no live Session where none was made", func() {
		Expect(inv).To(ginkgoext.HaveNoLive("Session"))
	})

	It("finds no live Pool, which nothing tracks", func() {
		Expect(inv).To(ginkgoext.HaveNoLive("Pool"))
		Expect(inv).To(ginkgoext.HaveLive("ginkgonames.Pool", 0))
		Expect(inv).NotTo(ginkgoext.HaveGrownSince(inv.Snapshot(), "Pool"))
	})

	It("misspells Conn", Label("typo"), func() {
		Expect(inv).To(ginkgoext.HaveNoLive("Connn"))
	})

	It("keeps a Conn", Label("leak"), func() {
		kept.Keep(trackable.Track(&Conn{ID: 2}))
	})
})
