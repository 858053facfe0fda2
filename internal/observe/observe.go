// Package observe lets package leakcheck see every tracked object,
// whatever tracker the program gives it.
//
// Package trackable tells the one installed [Observer] about each object it
// starts tracking, each new bundle and each object that the garbage
// collector frees. A program can replace or remove trackers (the global one
// with SetGlobalTracker, an object's with SetTracker); it cannot remove the
// observer. That is what makes a leak verdict impossible to switch off from
// the code it judges.
package observe

import (
	"reflect"
	"sync/atomic"
)

// Observer is told about tracked objects. Its methods are called
// concurrently, Destroyed on the runtime's cleanup goroutines; they must not
// block, and must not keep references to tracked objects.
type Observer interface {
	// Tracked is called on the goroutine that passed the object to Track
	// or Watch, once its serial is assigned, with its type, the type's
	// index (trackable.Event.TypeIndex), the bundle it has and an address
	// inside it (its Trackable's, or the watched pointer), for finding
	// what holds it in a heap dump: an address, not a pointer, so that it
	// keeps nothing alive. Go's heap does not move objects.
	//
	// A non-nil result is a value that Track or Watch panics with on
	// that goroutine once the object is tracked and every lock is
	// released: the way a verdict fails the fuzz input that runs (package
	// testing makes a fuzz input's panic its failure). It is nil
	// otherwise.
	Tracked(serial uint64, typ reflect.Type, typeIndex int, bundle any, addr uintptr) (fail any)
	// Updated is called when the object gets a new bundle.
	Updated(serial uint64, bundle any)
	// Destroyed is called when the garbage collector has freed the object.
	Destroyed(serial uint64)
}

type box struct{ o Observer }

var installed atomic.Pointer[box]

// Install makes o the observer of every object tracked from now on. There
// is one per process and it stays: objects tracked while it is installed
// report their destruction to it. Install panics if another observer was
// installed before.
func Install(o Observer) {
	if o == nil {
		panic("observe: Install(nil)")
	}
	if !installed.CompareAndSwap(nil, &box{o}) && installed.Load().o != o {
		panic("observe: another observer is installed already")
	}
}

// Current returns the installed observer, or nil.
func Current() Observer {
	if b := installed.Load(); b != nil {
		return b.o
	}
	return nil
}
