package trackable

import (
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Trackable makes a struct trackable when embedded in it by value:
//
//	type Conn struct {
//		trackable.Trackable
//		...
//	}
//
// The zero value is untracked; [Track] starts tracking. Its methods are
// promoted to the embedding type and are safe for concurrent use.
//
// Trackable must not be copied after first use: go vet reports copies.
// A copy shares the original's state until it is passed to [Track], which
// gives it a serial of its own and keeps the bundle it had.
//
// Comparing structs that embed Trackable: two values with equal fields
// but different tracking state are not reflect.DeepEqual, and a decoded
// value is never DeepEqual to the tracked original. Compare what matters
// instead, passing pointers (a struct value would copy its Trackable):
// testify's assert.EqualExportedValues(t, want, got), go-cmp's
// cmp.Equal(want, got, cmpopts.IgnoreTypes(trackable.Trackable{})), or
// reflect.DeepEqual on values that were both never tracked.
type Trackable struct {
	_ noCopy

	// TrackableGob carries no data. It exists because encoding/gob
	// refuses an embedded struct that has no exported fields; with it, a
	// struct that embeds Trackable encodes as it would without (the field
	// is always empty and is never sent as data). JSON and XML skip it.
	TrackableGob struct{} `json:"-" xml:"-"`

	rec atomic.Pointer[record]
}

// Object is implemented by every pointer to a struct that embeds
// [Trackable] by value, and by *Trackable itself.
type Object interface {
	trackable() *Trackable
}

func (t *Trackable) trackable() *Trackable { return t }

// record is the tracking state of one object. It lives in its own
// allocation because the runtime keeps it for the destroyed notification
// after the object is gone; it must never point back to the object.
//
// Its size is exactly 64 bytes, one size class: keep it so.
type record struct {
	mu      sync.Mutex    // orders the notifications of one object
	serial  atomic.Uint64 // 0 until the object is tracked
	typeID  typeID        // 0 until the object is tracked
	tracker Tracker       // guarded by mu, except in destroyed
	bundle  any           // guarded by mu, except in destroyed
	// owner is the address of the Trackable the record belongs to (not a
	// pointer, so that it keeps nothing alive), or 0 once destroyed. A
	// copied Trackable points to its original's record, with a different
	// owner: that is how Track tells a copy from a second call.
	owner atomic.Uintptr
}

func (r *record) event() Event {
	info := r.typeID.info()
	return Event{Serial: r.serial.Load(), Type: info.typ, Bundle: r.bundle, info: info}
}

func addressOf(t *Trackable) uintptr { return uintptr(unsafe.Pointer(t)) }

// own returns the record that belongs to t, or nil if t has none (it is
// untracked, or a copy not yet passed to Track).
func (t *Trackable) own() *record {
	if t == nil {
		return nil
	}
	r := t.rec.Load()
	if r == nil || r.owner.Load() != addressOf(t) {
		return nil
	}
	return r
}

// tracked returns t's record, or panics if t was never passed to Track.
func (t *Trackable) tracked(method string) *record {
	if t == nil {
		panic("trackable: " + method + " on a nil object: call it on a pointer to a struct that embeds trackable.Trackable")
	}
	r := t.own()
	if r == nil || r.serial.Load() == 0 {
		panic("trackable: " + method + " on an object that was never passed to Track: call trackable.Track(p) first, normally in its constructor")
	}
	return r
}

// SetTracker assigns the tracker of a tracked object, as pytracker's
// _set_tracker: the old tracker, if any, is told NotifyDetached (even when
// it is t itself), then t, if not nil, is told NotifyAttached. nil stops
// tracking the object.
//
// SetTracker panics if the object was never passed to [Track]: without a
// serial there is nothing to tell a tracker.
func (t *Trackable) SetTracker(tr Tracker) {
	r := t.tracked("SetTracker")
	r.mu.Lock()
	if old := r.tracker; old != nil {
		notify(old, methodDetached, r.event())
	}
	r.tracker = tr
	if tr != nil {
		notify(tr, methodAttached, r.event())
	}
	r.mu.Unlock()
	// The object must stay reachable until the record is unlocked: its
	// cleanup reads the record without the lock (see destroyed).
	runtime.KeepAlive(t)
}

// Tracker returns the object's current tracker, or nil if it has none or
// was never passed to [Track].
func (t *Trackable) Tracker() Tracker {
	r := t.own()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tracker
}

// SetDataBundle stores the object's data bundle and tells its tracker
// NotifyUpdated. The bundle is delivered with every later notification,
// including NotifyDestroyed.
//
// A bundle set before [Track] is delivered with the attached
// notification. The bundle must not reference the object itself (see the
// package documentation): the object would never be freed.
func (t *Trackable) SetDataBundle(b any) {
	if t == nil {
		panic("trackable: SetDataBundle on a nil object: call it on a pointer to a struct that embeds trackable.Trackable")
	}
	r := t.ownOrPending()
	r.mu.Lock()
	r.bundle = b
	if r.tracker != nil {
		notify(r.tracker, methodUpdated, r.event())
	}
	r.mu.Unlock()
	runtime.KeepAlive(t) // see SetTracker
}

// ownOrPending returns t's record, creating an untracked one (serial 0)
// that Track will adopt if t has none.
func (t *Trackable) ownOrPending() *record {
	for {
		old := t.rec.Load()
		if old != nil && old.owner.Load() == addressOf(t) {
			return old
		}
		r := &record{}
		r.owner.Store(addressOf(t))
		if t.rec.CompareAndSwap(old, r) {
			return r
		}
	}
}

// DataBundle returns the object's data bundle, or nil if none was set.
// Until a copy is passed to [Track], it reads its original's bundle.
func (t *Trackable) DataBundle() any {
	if t == nil {
		return nil
	}
	r := t.rec.Load()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bundle
}

// TrackerSerial returns the object's serial number, or 0 if it was never
// passed to [Track] (serials start at 1).
func (t *Trackable) TrackerSerial() uint64 {
	if r := t.own(); r != nil {
		return r.serial.Load()
	}
	return 0
}

// noCopy makes go vet's copylocks check report copies of a Trackable.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// typeName is the name that reports use for a type: "pkg.Type".
func typeName(t reflect.Type) string {
	if t == nil {
		return "<nil>"
	}
	return t.String()
}

// recordSize is asserted by the tests: one more allocation of at most
// 64 bytes is the cost bar of Track.
const recordSize = unsafe.Sizeof(record{})
