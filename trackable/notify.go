package trackable

import "github.com/objtrack/objtrack/internal/observe"

// Every event of an object goes first to the tracker it has (notify
// recovers a faulty one), then to the observer that package leakcheck
// installs (internal/observe), if one was installed when the object was
// tracked: attached, updated and destroyed fan them out, for Track, Watch,
// SetDataBundle and the cleanups alike.

// attached tells tr, then obs, that the object of e, at addr, is tracked.
// It returns what obs.Tracked returned, which the caller passes to
// failTrack once it holds no lock.
func attached(tr Tracker, obs observe.Observer, e Event, addr uintptr) any {
	if tr != nil {
		notify(tr, methodAttached, e)
	}
	if obs == nil {
		return nil
	}
	return obs.Tracked(e.Serial, e.Type, int(e.index), e.Bundle, addr)
}

// updated tells tr, then obs, that the object of e has the bundle
// e.Bundle.
func updated(tr Tracker, obs observe.Observer, e Event) {
	if tr != nil {
		notify(tr, methodUpdated, e)
	}
	if obs != nil {
		obs.Updated(e.Serial, e.Bundle)
	}
}

// destroyedEvent tells tr, then obs, that the object of e was freed.
func destroyedEvent(tr Tracker, obs observe.Observer, e Event) {
	if tr != nil {
		notify(tr, methodDestroyed, e)
	}
	if obs != nil {
		obs.Destroyed(e.Serial)
	}
}

// notify sends one event to t, recovering a panic so that a faulty tracker
// never breaks the program that it observes.
func notify(t Tracker, m method, e Event) {
	defer recoverTracker(t, m, &e)
	switch m {
	case methodAttached:
		t.NotifyAttached(e)
	case methodDetached:
		t.NotifyDetached(e)
	case methodUpdated:
		t.NotifyUpdated(e)
	case methodDestroyed:
		t.NotifyDestroyed(e)
	}
}

// method names a Tracker method. It is a number, not the method's name,
// because every notification switches on it.
type method uint8

const (
	methodAttached method = iota
	methodDetached
	methodUpdated
	methodDestroyed
)

var methodNames = [...]string{
	methodAttached:  "NotifyAttached",
	methodDetached:  "NotifyDetached",
	methodUpdated:   "NotifyUpdated",
	methodDestroyed: "NotifyDestroyed",
}

func (m method) String() string { return methodNames[m] }
