// Package globaltracker pins that a test cannot switch leak checking off
// by changing trackers: a checked test that installs an Inventory as the
// global tracker, or gives a kept object a tracker of its own (or none),
// still fails when it keeps an object, and so does a later checked test
// in the same VerifyTestMain run. Programs install inventories and move
// objects between trackers as part of their normal work; leakcheck must
// see their objects all the same.
package globaltracker

import (
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

type Conn struct {
	trackable.Trackable
	ID int
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

// kept holds objects on purpose, as a leaky program would.
var kept fixture.Kept[*Conn]

// installInventory makes a new Inventory the global tracker, as a program
// does at startup, until the test ends.
func installInventory(t *testing.T) *trackable.Inventory {
	prev := trackable.GlobalTracker()
	inv := trackable.NewInventory()
	trackable.SetGlobalTracker(inv)
	t.Cleanup(func() { trackable.SetGlobalTracker(prev) })
	return inv
}

func TestLeakAfterSetGlobalTracker(t *testing.T) {
	leakcheck.Check(t)
	installInventory(t)
	kept.Keep(dial(1))
}

func TestCleanAfterSetGlobalTracker(t *testing.T) {
	leakcheck.Check(t)
	installInventory(t)
	for i := range 100 {
		dial(i)
	}
}

// TestLeakInALaterTest runs after the tests above have replaced the global
// tracker and restored it.
func TestLeakInALaterTest(t *testing.T) {
	leakcheck.Check(t)
	kept.Keep(dial(2))
}

func TestCleanInALaterTest(t *testing.T) {
	leakcheck.Check(t)
	for i := range 100 {
		dial(i)
	}
}

func TestLeakSetTrackerInventory(t *testing.T) {
	leakcheck.Check(t)
	c := dial(3)
	c.SetTracker(trackable.NewInventory())
	kept.Keep(c)
}

func TestLeakSetTrackerNil(t *testing.T) {
	leakcheck.Check(t)
	c := dial(4)
	c.SetTracker(nil)
	kept.Keep(c)
}

func TestCleanSetTracker(t *testing.T) {
	leakcheck.Check(t)
	inv := trackable.NewInventory()
	for i := range 100 {
		dial(i).SetTracker(inv)
		dial(i).SetTracker(nil)
	}
}
