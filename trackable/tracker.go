package trackable

import (
	"reflect"
	"sync/atomic"
)

// Event is what a [Tracker] is told about one object.
type Event struct {
	// Serial is the object's serial number: unique in the process and
	// increasing in the order that objects were passed to Track or Watch.
	Serial uint64
	// Type is the object's type: the struct type for a pointer to a
	// struct (Conn, not *Conn), the type itself for maps and channels.
	Type reflect.Type
	// Bundle is the object's data bundle when the event was sent (nil if
	// none was set).
	Bundle any

	index typeID // see TypeIndex
}

// TypeIndex numbers the event's type: the types that Track and Watch have
// seen are numbered 1, 2, 3, ... in the order they were first seen, for
// the life of the process. A tracker can keep what it knows of each type
// in a slice indexed by it, and find it without hashing the type on every
// event. It is 0 for an event that Track or Watch did not send (one that
// a test made).
func (e Event) TypeIndex() int { return int(e.index) }

// Tracker receives the notifications of the objects attached to it. It is
// pytracker's TrackerMixin protocol.
//
// Methods are called on any goroutine, concurrently, including the
// runtime's cleanup goroutines for NotifyDestroyed: an implementation
// must be safe for concurrent use, must not block, and must not keep
// references that lead back to tracked objects. Embed [TrackerMixin] to
// implement only some of the methods.
type Tracker interface {
	// NotifyAttached is called when the object starts being tracked by
	// this tracker: at Track, or at SetTracker.
	NotifyAttached(Event)
	// NotifyDetached is called when SetTracker replaces this tracker
	// (even with itself) or removes it.
	NotifyDetached(Event)
	// NotifyUpdated is called after SetDataBundle stored a new bundle.
	NotifyUpdated(Event)
	// NotifyDestroyed is called after the garbage collector found the
	// object unreachable, with the last bundle it had.
	NotifyDestroyed(Event)
}

// TrackerMixin implements every [Tracker] method as a no-op. Embed it in a
// tracker that needs only some of the events.
type TrackerMixin struct{}

// NotifyAttached does nothing.
func (TrackerMixin) NotifyAttached(Event) {}

// NotifyDetached does nothing.
func (TrackerMixin) NotifyDetached(Event) {}

// NotifyUpdated does nothing.
func (TrackerMixin) NotifyUpdated(Event) {}

// NotifyDestroyed does nothing.
func (TrackerMixin) NotifyDestroyed(Event) {}

// trackerBox lets an interface value live behind an atomic pointer.
type trackerBox struct{ t Tracker }

var globalTracker atomic.Pointer[trackerBox]

// SetGlobalTracker sets the tracker that [Track] and [Watch] attach to new
// objects; nil stops attaching. Objects already tracked keep the tracker
// they have.
func SetGlobalTracker(t Tracker) {
	if t == nil {
		globalTracker.Store(nil)
		return
	}
	globalTracker.Store(&trackerBox{t})
}

// GlobalTracker returns the tracker set by [SetGlobalTracker], or nil.
func GlobalTracker() Tracker {
	if b := globalTracker.Load(); b != nil {
		return b.t
	}
	return nil
}

// Version returns the version of the trackable protocol: 1, as pytracker
// documents.
func Version() int { return 1 }
