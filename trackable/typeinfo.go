package trackable

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// typeInfo is what Track needs to know about a type, computed once.
type typeInfo struct {
	id      typeID
	typ     reflect.Type
	ptrType reflect.Type // *typ
	optOut  bool         // trackable:"-" on the embedded Trackable
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
