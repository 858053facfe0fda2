package trackable

import (
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/objtrack/objtrack/internal/observe"
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
	//
	// It is exported, and so promoted into every embedding struct, for
	// want of another way: a GobEncoder method on Trackable would be
	// promoted too, and would encode the embedding struct in place of its
	// own fields; an embedded func or chan type, which gob skips, would
	// need an allocation per object to hold the tracking state. Do not
	// use it.
	TrackableGob struct{} `json:"-" xml:"-"`

	// owner is the address of this Trackable once it has state of its own
	// (it is tracked, or holds a bundle): an address, not a pointer, so
	// that it keeps nothing alive. A copy keeps its original's address;
	// that is how Track tells a copy from a second call. While one
	// goroutine sets the state up, owner is the address plus settingUp,
	// and the others wait (see claim).
	owner atomic.Uintptr
	// rec is the tracking state: nil, the record shared by every object
	// of the type that has no bundle and the global tracker (see
	// sharedState), or a record of the object's own.
	rec atomic.Pointer[record]
	// serial is the object's serial while rec is shared (a record of its
	// own holds its serial). It is written only by the goroutine that
	// claimed t, before rec: whoever loads a shared rec can read it.
	serial uint64
	// cleanup is the destroyed notification while rec is shared: it is
	// stopped when the object gets a record of its own.
	cleanup runtime.Cleanup
}

// settingUp is added to Trackable.owner while its state is being set up.
// Trackables are aligned to at least 4 bytes, so the bit is free.
const settingUp = 1

// Object is implemented by every pointer to a struct that embeds
// [Trackable] by value, and by *Trackable itself.
type Object interface {
	trackable() *Trackable
}

func (t *Trackable) trackable() *Trackable { return t }

// record is the tracking state of an object that has a bundle or has had
// its tracker set: the runtime keeps it for the destroyed notification
// after the object is gone, so it lives in its own allocation and must
// never point back to the object. Objects with neither share one record
// per type and tracker (see sharedState), and cost no allocation here.
//
// Its size is exactly 64 bytes, one size class: keep it so.
type record struct {
	mu     sync.Mutex    // orders the notifications of one object
	serial atomic.Uint64 // 0 until the object is tracked; 0 if shared
	typeID typeID        // 0 until the object is tracked
	shared bool          // the record of a sharedState: never changes
	// observed is set when the object was tracked while an observer was
	// installed (see internal/observe): it tells the observer of its
	// bundles and its destruction. It never changes once tracked.
	observed bool
	tracker  Tracker // guarded by mu, except in destroyed
	bundle   any     // guarded by mu, except in destroyed
	// owner is the address of the Trackable the record belongs to, or 0
	// once destroyed: a copy made later at the same address must not
	// take a dead record for its own.
	owner atomic.Uintptr
}

func (r *record) event() Event {
	info := r.typeID.info()
	return Event{Serial: r.serial.Load(), Type: info.typ, Bundle: r.bundle, index: info.id}
}

// observer returns the observer that r's object was tracked under, or
// nil.
func (r *record) observer() observe.Observer {
	if !r.observed {
		return nil
	}
	return observe.Current()
}

func addressOf(t *Trackable) uintptr { return uintptr(unsafe.Pointer(t)) }

// claim waits until no other goroutine is setting up t's state. If t then
// has state of its own, claim returns false; otherwise it marks t as being
// set up by the caller and returns true, and the caller must publish the
// state with t.owner.Store(addressOf(t)).
func (t *Trackable) claim() bool {
	addr := addressOf(t)
	for tries := 0; ; tries++ {
		o := t.owner.Load()
		switch o {
		case addr:
			return false
		case addr | settingUp:
			// Only a concurrent call on the same object waits here, for
			// as long as the other call takes to notify its tracker.
			if tries < 100 {
				runtime.Gosched()
			} else {
				time.Sleep(50 * time.Microsecond)
			}
			continue
		}
		if t.owner.CompareAndSwap(o, addr|settingUp) {
			return true
		}
	}
}

// claimState returns t's own state, or nil after claiming t (see claim),
// which it also does when t holds a dead record: a copy placed at the
// address of its freed original.
func (t *Trackable) claimState() *record {
	addr := addressOf(t)
	for !t.claim() {
		if r := t.own(); r != nil {
			return r
		}
		if t.owner.CompareAndSwap(addr, addr|settingUp) {
			return nil
		}
	}
	return nil
}

// own returns t's state, or nil if t has none (it is untracked, or a copy
// not yet passed to Track).
func (t *Trackable) own() *record {
	if t == nil || t.owner.Load() != addressOf(t) {
		return nil
	}
	r := t.rec.Load()
	if r == nil || (!r.shared && r.owner.Load() != addressOf(t)) {
		return nil
	}
	return r
}

// lockOwn returns t's own record, locked, given that t has state of its
// own. An object with shared state gets a record of its own here: its
// cleanup is replaced with one that reads the new record.
func (t *Trackable) lockOwn() *record {
	for {
		cur := t.rec.Load()
		if !cur.shared {
			cur.mu.Lock()
			return cur
		}
		r := &record{typeID: cur.typeID, tracker: cur.tracker, observed: cur.observed}
		r.serial.Store(t.serial)
		r.owner.Store(addressOf(t))
		r.mu.Lock()
		if !t.rec.CompareAndSwap(cur, r) {
			continue // another goroutine made one first
		}
		// The object is alive (the caller holds it until it unlocks), so
		// the shared cleanup has not run and never will.
		t.cleanup.Stop()
		t.cleanup = runtime.Cleanup{}
		runtime.AddCleanup(t, destroyed, r)
		return r
	}
}

// tracked returns t's record, locked, or panics if t was never passed to
// Track.
func (t *Trackable) tracked(method string) *record {
	if t == nil {
		panic("trackable: " + method + " on a nil object: call it on a pointer to a struct that embeds trackable.Trackable")
	}
	if t.TrackerSerial() == 0 {
		panic("trackable: " + method + " on an object that was never passed to Track: call trackable.Track(p) first, normally in its constructor")
	}
	return t.lockOwn()
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
	if r.shared {
		return r.tracker
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
// notification, and costs less: the object's first bundle after Track
// gives it a record of its own. The bundle must not reference the object
// itself (see the package documentation): the object would never be
// freed.
func (t *Trackable) SetDataBundle(b any) {
	if t == nil {
		panic("trackable: SetDataBundle on a nil object: call it on a pointer to a struct that embeds trackable.Trackable")
	}
	r := t.lockOwnOrPending()
	r.bundle = b
	if r.tracker != nil || r.observed { // not so before Track: no type yet
		updated(r.tracker, r.observer(), r.event())
	}
	r.mu.Unlock()
	runtime.KeepAlive(t) // see SetTracker
}

// lockOwnOrPending returns t's own record, locked, creating an untracked
// one (serial 0) that Track will adopt if t has no state of its own.
func (t *Trackable) lockOwnOrPending() *record {
	if t.claimState() != nil {
		return t.lockOwn()
	}
	addr := addressOf(t)
	r := &record{}
	r.owner.Store(addr)
	r.mu.Lock()
	t.rec.Store(r)
	t.owner.Store(addr)
	return r
}

// DataBundle returns the object's data bundle, or nil if none was set.
// Until a copy is passed to [Track], it reads its original's bundle.
func (t *Trackable) DataBundle() any {
	if t == nil {
		return nil
	}
	r := t.rec.Load()
	if r == nil || r.shared {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bundle
}

// TrackerSerial returns the object's serial number, or 0 if it was never
// passed to [Track] (serials start at 1).
func (t *Trackable) TrackerSerial() uint64 {
	switch r := t.own(); {
	case r == nil:
		return 0
	case r.shared:
		return t.serial
	default:
		return r.serial.Load()
	}
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

// recordSize is asserted by the tests: a record of its own must cost an
// object at most one allocation of 64 bytes.
const recordSize = unsafe.Sizeof(record{})
