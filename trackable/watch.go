package trackable

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"unsafe"
	"weak"

	"github.com/objtrack/objtrack/internal/observe"
)

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

// Watch tracks an object whose type cannot embed [Trackable]. It assigns
// a serial, attaches the global tracker and sends NotifyAttached and,
// when the garbage collector frees the object, NotifyDestroyed, all with
// the type of the value p points to. Watched objects have no bundle.
//
// Watch a value whose life is the resource's life: one that something
// keeps reachable until the resource is released. The context returned
// by context.WithCancel on a long-lived parent is one (the parent keeps
// it until its cancel function is called; pass the context itself, whose
// dynamic value is a pointer), so a forgotten cancel is a leak of
// context.cancelCtx. An *http.Response is not one: the transport keeps
// the connection, not the response, so a response whose body is never
// closed is freed anyway (the connection's goroutines are what leaks,
// and leakcheck's goroutine check is what reports them). A timer keeps
// what its function holds until the runtime drops the timer, which for a
// stopped timer can be as late as its deadline, so a context.WithTimeout
// context can outlive a test that canceled it.
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
	fail := attached(r.tracker, r.observer(), r.event(), uintptr(unsafe.Pointer(ptr)))
	r.mu.Unlock()
	runtime.KeepAlive(ptr) // see destroyed
	failTrack(fail)
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
