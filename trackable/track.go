package trackable

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"

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
	if tr != nil {
		notify(tr, methodAttached, s.event(serial))
	}
	if obs != nil {
		obs.Tracked(serial, info.typ, nil)
	}
	// Calls on the same object wait in claim until here, so that they
	// notify after attached.
	t.owner.Store(addr)
	runtime.KeepAlive(t) // see destroyed
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
	if r.tracker != nil {
		notify(r.tracker, methodAttached, r.event())
	}
	if r.observed {
		observe.Current().Tracked(serial, info.typ, r.bundle)
	}
	r.mu.Unlock()
	// Until here, the object must not be found unreachable: see destroyed.
	runtime.KeepAlive(t)
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
	if tr != nil {
		notify(tr, methodDestroyed, e)
	}
	if r.observed {
		observe.Current().Destroyed(e.Serial)
	}
}

// sharedDestroyed is destroyed for an object with shared state, which
// holds nothing that could change.
func sharedDestroyed(a sharedArg) {
	if tr := a.state.rec.tracker; tr != nil {
		notify(tr, methodDestroyed, a.state.event(a.serial))
	}
	if obs := a.state.observer; obs != nil {
		obs.Destroyed(a.serial)
	}
}

// typeInfo is what Track needs to know about a type, computed once.
type typeInfo struct {
	id      typeID
	typ     reflect.Type
	ptrType reflect.Type // *typ
	optOut  bool         // trackable:"-" on the embedded Trackable
	// entry caches the type's entry in the inventory that counted it
	// last: with one inventory, the common case, no event looks it up.
	entry atomic.Pointer[typeEntry]
	// shared is the state of its objects tracked without a bundle by the
	// current global tracker (see sharedFor).
	shared atomic.Pointer[sharedState]
}

// typeID numbers the types ever tracked, from 1. Records hold a typeID
// rather than a *typeInfo: a record is kept by the runtime until its
// object is freed, and every pointer in it is one more for the garbage
// collector to follow, a million times over in a large heap.
type typeID uint32

var (
	typeInfos   sync.Map // reflect.Type -> *typeInfo
	typeInfosMu sync.Mutex
	// trackedTypes is every typeInfo, indexed by id-1. It is copied on
	// append, so that readers need no lock.
	trackedTypes atomic.Pointer[[]*typeInfo]
)

func infoFor(t reflect.Type) *typeInfo {
	if v, ok := typeInfos.Load(t); ok {
		return v.(*typeInfo)
	}
	typeInfosMu.Lock()
	defer typeInfosMu.Unlock()
	if v, ok := typeInfos.Load(t); ok {
		return v.(*typeInfo)
	}
	var list []*typeInfo
	if l := trackedTypes.Load(); l != nil {
		list = *l
	}
	info := &typeInfo{id: typeID(len(list) + 1), typ: t, ptrType: reflect.PointerTo(t), optOut: optsOut(t)}
	list = append(list[:len(list):len(list)], info)
	trackedTypes.Store(&list)
	typeInfos.Store(t, info)
	return info
}

// pointerTypes caches the typeInfo of the pointer types passed to Track,
// indexed by a hash of the type's address: a hit costs a load and a
// comparison, where typeInfos hashes a whole interface. Most programs
// track a few types, and a collision only costs the slow path.
var pointerTypes [128]atomic.Pointer[typeInfo]

// infoForPointer returns the typeInfo of pt's element type.
func infoForPointer(pt reflect.Type) *typeInfo {
	// The address of the type's descriptor, which identifies it: the
	// data word of the interface.
	addr := (*[2]uintptr)(unsafe.Pointer(&pt))[1]
	slot := &pointerTypes[uint64(addr)*0x9E3779B97F4A7C15>>(64-7)]
	if info := slot.Load(); info != nil && info.ptrType == pt {
		return info
	}
	info := infoFor(pt.Elem())
	slot.Store(info)
	return info
}

// info returns the typeInfo numbered id, which must have been handed out.
func (id typeID) info() *typeInfo { return (*trackedTypes.Load())[id-1] }

var trackableType = reflect.TypeFor[Trackable]()

// optsOut reports whether struct type t embeds Trackable through a field
// tagged trackable:"-".
func optsOut(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.Anonymous {
			continue
		}
		if f.Type == trackableType {
			return f.Tag.Get("trackable") == "-"
		}
		if f.Type.Kind() == reflect.Struct && reflect.PointerTo(f.Type).Implements(objectType) {
			if f.Tag.Get("trackable") == "-" {
				return true
			}
			return optsOut(f.Type)
		}
	}
	return false
}

var objectType = reflect.TypeFor[Object]()

// Errors returned by Watch.
var (
	// ErrNotPointer: Watch needs a pointer, a map or a channel.
	ErrNotPointer = errors.New("trackable: Watch needs a non-nil pointer, map or channel")
	// ErrNeverFreed: the value could share its memory block with others
	// and might never be reported destroyed.
	ErrNeverFreed = errors.New("trackable: Watch cannot tell when this value is freed")
)

// watched maps each watched object to its record, so that watching an
// object twice returns the same serial. Weak keys keep nothing alive and
// never mistake a new object at a reused address for an old one.
var watched sync.Map // weak.Pointer[byte] -> *record

type watchedArg struct {
	rec *record
	key weak.Pointer[byte]
}

// Watch tracks an object whose type cannot embed [Trackable]: an
// *http.Response, a *sql.Rows, the pointer inside an io.ReadCloser. It
// assigns a serial, attaches the global tracker and sends NotifyAttached
// and, when the garbage collector frees the object, NotifyDestroyed, all
// with the type of the value p points to. Watched objects have no bundle.
//
// p must be a non-nil pointer, map or channel; otherwise Watch returns an
// error wrapping [ErrNotPointer]. Watch refuses, with [ErrNeverFreed],
// pointers to zero-size values and to values under 16 bytes that hold no
// pointers: the runtime packs such values together, so they may never be
// freed one by one. Watching an object again returns its serial and
// changes nothing.
func Watch(p any) (uint64, error) {
	v := reflect.ValueOf(p)
	if !v.IsValid() {
		return 0, fmt.Errorf("%w: got nil; pass the pointer to the object to watch", ErrNotPointer)
	}
	typ := v.Type()
	switch v.Kind() {
	case reflect.Pointer:
		typ = typ.Elem()
		if typ.Size() == 0 {
			return 0, fmt.Errorf("%w: %s has size zero; zero-size values all share one address and are never freed", ErrNeverFreed, typ)
		}
		if typ.Size() < 16 && !hasPointers(typ) {
			return 0, fmt.Errorf("%w: %s is smaller than 16 bytes and holds no pointers, so the runtime packs it with other values; watch the object that holds it", ErrNeverFreed, typ)
		}
	case reflect.Map, reflect.Chan:
	default:
		return 0, fmt.Errorf("%w: got a %T; pass its address (&v) instead", ErrNotPointer, p)
	}
	if v.IsNil() {
		return 0, fmt.Errorf("%w: got a nil %T", ErrNotPointer, p)
	}
	ptr := (*byte)(v.UnsafePointer())
	key := weak.Make(ptr)
	info := infoFor(typ)
	r := &record{typeID: info.id}
	r.mu.Lock()
	if prev, loaded := watched.LoadOrStore(key, r); loaded {
		r.mu.Unlock()
		pr := prev.(*record)
		pr.mu.Lock() // wait until the first Watch has finished
		defer pr.mu.Unlock()
		return pr.serial.Load(), nil
	}
	r.owner.Store(uintptr(unsafe.Pointer(ptr)))
	r.serial.Store(serials.Add(1))
	if !info.optOut {
		r.tracker = GlobalTracker()
		r.observed = observe.Current() != nil
	}
	runtime.AddCleanup(ptr, watchedDestroyed, watchedArg{rec: r, key: key})
	if r.tracker != nil {
		notify(r.tracker, methodAttached, r.event())
	}
	if r.observed {
		observe.Current().Tracked(r.serial.Load(), info.typ, nil)
	}
	r.mu.Unlock()
	runtime.KeepAlive(ptr) // see destroyed
	return r.serial.Load(), nil
}

func watchedDestroyed(a watchedArg) {
	watched.Delete(a.key)
	destroyed(a.rec)
}

// hasPointers reports whether values of t hold pointers the garbage
// collector follows.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface,
		reflect.Slice, reflect.String, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}
