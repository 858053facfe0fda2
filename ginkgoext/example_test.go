package ginkgoext_test

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/trackable"
)

// Session is a tracked type of the examples.
type Session struct {
	trackable.Trackable
	User string
}

// The matchers read an inventory (settling the collector first, so no
// Eventually is needed). Outside a Ginkgo spec, gomega.NewGomega sends
// failures to a function of one's own: here it prints their first lines.
func ExampleHaveNoLive() {
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(prev)

	g := gomega.NewGomega(func(message string, _ ...int) {
		fmt.Println(strings.Split(message, "\n")[0])
	})
	func() {
		for range 3 {
			trackable.Track(&Session{User: "dropped"})
		}
	}()
	g.Expect(inv).To(ginkgoext.HaveNoLive("Session")) // passes: all three were freed
	g.Expect(inv).To(ginkgoext.HaveRetired("Session", 3))

	kept := trackable.Track(&Session{User: "kept"})
	g.Expect(inv).To(ginkgoext.HaveNoLive("Session")) // fails
	runtime.KeepAlive(kept)
	// Output:
	// Expected no live objects of Session, but:
}
