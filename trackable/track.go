package trackable

import (
	"fmt"
	"reflect"
	"runtime"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/observe"
)

// serials hands out serial numbers; 0 means "not tracked".
var serials atomic.Uint64

// Track starts tracking p and returns it, so that constructors can end
// with
//
//	return trackable.Track(&Conn{...})
//
// Track assigns the next serial number, attaches the global tracker
// (unless none is set or the type opts out with the struct tag
// trackable:"-" on its embedded Trackable field), sends NotifyAttached
// with the bundle set so far, and arranges for NotifyDestroyed when the
// garbage collector frees p.
//
// Track on an object already tracked does nothing. Track on a copy of a
// tracked struct tracks the copy as a new object: a serial of its own, the
// bundle it had, and the global tracker.
//
// Track panics if p is nil or embeds *Trackable instead of Trackable.
func Track[P Object](p P) P {
	v := reflect.ValueOf(p)
	if !v.IsValid() || v.Kind() != reflect.Pointer {
		panic(fmt.Sprintf("trackable: Track(%T): pass a pointer to a struct that embeds trackable.Trackable", p))
	}
	if v.IsNil() {
		panic(fmt.Sprintf("trackable: Track((%T)(nil)): pass a pointer to a struct that embeds trackable.Trackable, not nil", p))
	}
	t := p.trackable()
	if t == nil {
		panic(fmt.Sprintf("trackable: Track(%T): its embedded *Trackable is nil: embed trackable.Trackable by value", p))
	}
	track(t, infoForPointer(v.Type()))
	return p
}

func track(t *Trackable, info *typeInfo) {
	if r := t.claimState(); r != nil {
		if r.shared {
			return // tracked already
		}
		r.mu.Lock()
		if r.serial.Load() != 0 {
			r.mu.Unlock()
			return // tracked already
		}
		trackRecord(t, r, info) // a bundle set before Track
		return
	}
	// t is claimed: it has no state, or a copy's.
	var bundle any
	if old := t.rec.Load(); old != nil && !old.shared {
		// A copy: it keeps the bundle of the object it was copied from.
		old.mu.Lock()
		bundle = old.bundle
		old.mu.Unlock()
	}
	addr := addressOf(t)
	if bundle != nil {
		r := &record{bundle: bundle}
		r.owner.Store(addr)
		r.mu.Lock()
		t.rec.Store(r)
		t.owner.Store(addr)
		trackRecord(t, r, info)
		return
	}
	// The common case: no bundle, so no record of its own.
	var box *trackerBox
	var obs observe.Observer
	if !info.optOut {
		box = globalTracker.Load()
		obs = observe.Current()
	}
	s := info.sharedFor(box, obs)
	serial := serials.Add(1)
	t.serial = serial // before rec: see Trackable.serial
	t.rec.Store(&s.rec)
	// A copy carries its original's cleanup handle: it must never stop
	// the original's cleanup (see lockOwn).
	t.cleanup = runtime.Cleanup{}
	tr := s.rec.tracker
	if tr != nil || obs != nil {
		// t points into the object that embeds it; AddCleanup attaches
		// to the whole object. Without a tracker or an observer, there
		// is no one to tell: an object that gets a tracker later gets its
		// cleanup then (see lockOwn), and one that never does costs no
		// cleanup.
		t.cleanup = runtime.AddCleanup(t, sharedDestroyed, sharedArg{s, serial})
	}
	fail := attached(tr, obs, s.event(serial), addr)
	// Calls on the same object wait in claim until here, so that they
	// notify after attached.
	t.owner.Store(addr)
	runtime.KeepAlive(t) // see destroyed
	failTrack(fail)
}

// failTrack panics with what the observer's Tracked returned, if
// anything, once the object is tracked and no lock is held (see
// observe.Observer).
func failTrack(fail any) {
	if fail != nil {
		panic(fail)
	}
}

// trackRecord tracks t with r, its own record, locked, and unlocks it.
func trackRecord(t *Trackable, r *record, info *typeInfo) {
	r.typeID = info.id
	serial := serials.Add(1)
	r.serial.Store(serial)
	if !info.optOut {
		r.tracker = GlobalTracker()
		r.observed = observe.Current() != nil
	}
	runtime.AddCleanup(t, destroyed, r)
	fail := attached(r.tracker, r.observer(), r.event(), addressOf(t))
	r.mu.Unlock()
	// Until here, the object must not be found unreachable: see destroyed.
	runtime.KeepAlive(t)
	failTrack(fail)
}

// destroyed runs on a runtime cleanup goroutine after the object of r was
// found unreachable.
//
// It takes no lock, because it runs once per freed object and is most of
// what settling a large heap costs: the record is cold by now, and a lock
// would be a second write to it. Nothing can write to the record any
// more: its fields change only through the object that owns it, and every
// method that changes them keeps the object alive (runtime.KeepAlive)
// until it has unlocked, so this runs after all of them have returned, and
// sees what they wrote. Copies of the object read the record under its
// lock; reads do not conflict.
func destroyed(r *record) {
	tr, e := r.tracker, r.event()
	// No object may take the record for its own after this (a copy made
	// later at the same address).
	r.owner.Store(0)
	destroyedEvent(tr, r.observer(), e)
}
