package trackable_test

import (
	"fmt"
	"net/http"
	"os"
	"reflect"

	"github.com/objtrack/objtrack/trackable"
)

// Pool is an example type: it embeds Trackable and its constructor
// registers each new value.
type Pool struct {
	trackable.Trackable
	Size int
}

// NewPool is the constructor: Track assigns a serial and attaches the
// global tracker.
func NewPool(size int) *Pool {
	return trackable.Track(&Pool{Size: size})
}

func ExampleTrack() {
	inv := trackable.NewInventory()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(nil)

	a, b := NewPool(1), NewPool(2)
	fmt.Println("serials increase:", a.TrackerSerial() < b.TrackerSerial())
	fmt.Println("tracked by the inventory:", a.Tracker() == inv)

	tc, _ := inv.Snapshot().Lookup("Pool")
	fmt.Println("live pools:", tc.Live)
	// Output:
	// serials increase: true
	// tracked by the inventory: true
	// live pools: 2
}

func ExampleInventory_Dump() {
	inv := trackable.NewInventory()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(nil)
	inv.SetObjectTracking(reflect.TypeFor[Pool](), true)

	p := NewPool(8)
	p.SetDataBundle("primary")
	_ = inv.Dump(os.Stdout)
	p.SetTracker(nil) // detach: the dump shows the change
	_ = inv.Dump(os.Stdout)
	// Output is like:
	// trackable_test.Pool                      allocated: 1            retired: 0
	//    obj#42       bundle:"primary"
	// trackable_test.Pool                      allocated: 0 (-1)       retired: 0
}

// A tracker that wants only some events embeds TrackerMixin.
type destroyedLogger struct {
	trackable.TrackerMixin
}

func (destroyedLogger) NotifyDestroyed(e trackable.Event) {
	fmt.Printf("%s #%d freed, bundle %v\n", e.Type, e.Serial, e.Bundle)
}

func ExampleTrackerMixin() {
	var tr trackable.Tracker = destroyedLogger{}
	tr.NotifyAttached(trackable.Event{Serial: 1}) // no-op, from the mixin
	tr.NotifyDestroyed(trackable.Event{Serial: 1, Type: reflect.TypeFor[Pool](), Bundle: "primary"})
	// Output:
	// trackable_test.Pool #1 freed, bundle primary
}

func ExampleWatch() {
	inv := trackable.NewInventory()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(nil)

	resp := &http.Response{StatusCode: 200} // a type we cannot change
	if _, err := trackable.Watch(resp); err != nil {
		fmt.Println(err)
	}
	_, err := trackable.Watch(*resp)
	fmt.Println(err)

	tc, _ := inv.Snapshot().Lookup("http.Response")
	fmt.Println("live responses:", tc.Live)
	// Output:
	// trackable: Watch needs a non-nil pointer, map or channel: got a http.Response; pass its address (&v) instead
	// live responses: 1
}
