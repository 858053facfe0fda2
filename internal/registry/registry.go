// Package registry records the tracked objects that a verdict may judge:
// their type, bundle, creation site, the address of each and the scope
// (checked test) it belongs to, one atomic word per object, by serial.
//
// Its hot paths (an object tracked, an object freed) take no lock: each
// object is one atomic word in a page of slots indexed by serial number,
// pointer-free so that the garbage collector never scans it. Bundles,
// which hold pointers, live in a separate map, and only objects that have
// one pay for it.
package registry

import (
	"cmp"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/padded"
	"github.com/objtrack/objtrack/internal/stack"
)

// A Registry records tracked objects by serial. Its zero value is empty
// and ready; it is safe for concurrent use.
type Registry struct {
	pages sync.Map // serial/pageSize -> *page
	// The pages used last: one for objects made, one for objects freed,
	// which are at different serials.
	recentAdd, recentRemove atomic.Pointer[pageRef]
	// dropEmptyPages resumes at page number dropNext; no page below
	// oldestPage exists.
	dropNext, oldestPage atomic.Uint64
	bundles              padded.SerialMap // only objects that have a bundle

	// types holds the types recorded, by their index in package
	// trackable (Event.TypeIndex), which slots hold. It is copied when it
	// grows.
	types atomic.Pointer[[]reflect.Type]

	mu sync.Mutex // guards growing types
}

// A Slot packs what the registry knows of one object into 64 bits; 0 is
// an empty slot:
//
//	bits  0-15  type index (0: more types than fit, left out of verdicts)
//	bits 16-37  creation site (0: not recorded)
//	bits 38-60  scope number (0: no checked test; VerifyTestMain's)
//	bit  61     the object has a bundle in the bundle map
//	bit  62     a verdict reported it already
//	bit  63     the slot holds an object
const (
	typeBits     = 16
	siteBits     = 22
	scopeBits    = 23
	flagPresent  = 1 << 63
	flagReported = 1 << 62
	flagBundle   = 1 << 61
	siteShift    = typeBits
	scopeShift   = typeBits + siteBits
	typeMask     = 1<<typeBits - 1
	siteMask     = 1<<siteBits - 1
	scopeMask    = 1<<scopeBits - 1
)

// Slot is the word of one object (see above).
type Slot uint64

// Scope returns the number of the scope that the object belongs to.
func (w Slot) Scope() uint32 { return uint32(w >> scopeShift & scopeMask) }

// Reported reports whether a verdict reported the object already.
func (w Slot) Reported() bool { return w&flagReported != 0 }

// MaxScope is the highest scope number that a slot can hold.
const MaxScope = scopeMask

func pack(typ uint64, site stack.ID, scope uint32) Slot {
	if uint64(site) > siteMask {
		site = 0 // more call paths than a slot can name: unrecorded
	}
	return flagPresent | Slot(typ&typeMask) | Slot(site)<<siteShift | Slot(uint64(scope)&scopeMask)<<scopeShift
}

// Object is what the registry knows of one live object, unpacked.
type Object struct {
	Serial   uint64
	Type     reflect.Type
	Addr     uintptr // an address inside the object (see observe.Observer)
	Bundle   any
	Site     stack.ID
	Scope    uint32
	Reported bool // already reported by a verdict
}

func (r *Registry) setBundle(serial uint64, b any) {
	if b == nil {
		r.bundles.Delete(serial)
		return
	}
	r.bundles.Store(serial, b)
}

func (r *Registry) bundle(serial uint64) any {
	b, _ := r.bundles.Load(serial)
	return b
}

// typeNumber returns the number that a slot holds for a type of index
// idx in package trackable, recording the type the first time. It is 0
// for more types than a slot can name: their objects are left out.
func (r *Registry) typeNumber(t reflect.Type, idx int) uint64 {
	if idx <= 0 || idx > typeMask {
		return 0
	}
	if tab := r.types.Load(); tab != nil && idx < len(*tab) && (*tab)[idx] != nil {
		return uint64(idx)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var old []reflect.Type
	if p := r.types.Load(); p != nil {
		old = *p
	}
	tab := make([]reflect.Type, max(len(old), idx+1))
	copy(tab, old)
	tab[idx] = t
	r.types.Store(&tab)
	return uint64(idx)
}

// typeNumbered returns the type that a slot's type number names, or nil.
func (r *Registry) typeNumbered(n uint64) reflect.Type {
	if tab := r.types.Load(); tab != nil && n < uint64(len(*tab)) {
		return (*tab)[n]
	}
	return nil
}

// Add records an object of scope number scope (0: none), of type typ
// whose index in package trackable is typeIndex (Event.TypeIndex), at an
// address inside it.
func (r *Registry) Add(serial uint64, typ reflect.Type, typeIndex int, bundle any, site stack.ID, scope uint32, addr uintptr) {
	word := pack(r.typeNumber(typ, typeIndex), site, scope)
	if bundle != nil {
		word |= flagBundle
		r.setBundle(serial, bundle)
	}
	for {
		p := r.page(serial, true)
		slot := &p.slots[serial%pageSize]
		old := slot.Load()
		if old == slotClosed {
			r.waitOrDrop(p, serial/pageSize)
			continue
		}
		// The address first: a reader that sees the slot sees it.
		p.addrs[serial%pageSize].Store(addr)
		if slot.CompareAndSwap(old, uint64(word)) {
			return
		}
	}
}

// Update sets the bundle of a recorded object.
func (r *Registry) Update(serial uint64, bundle any) {
	r.rewrite(serial, func(old uint64) uint64 {
		// The bundle first: a reader that sees the flag sees the bundle.
		r.setBundle(serial, bundle)
		if bundle != nil {
			return old | flagBundle
		}
		return old &^ flagBundle
	})
}

// rewrite replaces the slot of a recorded object with what to makes of
// it, again if another writer came between; it does nothing where the
// object is not recorded.
func (r *Registry) rewrite(serial uint64, to func(old uint64) uint64) {
	p := r.page(serial, false)
	if p == nil {
		return
	}
	slot := &p.slots[serial%pageSize]
	for {
		old := slot.Load()
		if old&flagPresent == 0 || slot.CompareAndSwap(old, to(old)) {
			return
		}
	}
}

// Remove forgets a freed object and returns its slot (0 if it was not
// recorded).
func (r *Registry) Remove(serial uint64) Slot {
	p := r.page(serial, false)
	if p == nil {
		return 0
	}
	slot := &p.slots[serial%pageSize]
	var old Slot
	for {
		old = Slot(slot.Load())
		if old&flagPresent == 0 {
			if p.dead.Load() {
				// The page was dropped after the lookup: the object, if
				// recorded, is in the page that replaced it.
				if q, ok := r.pages.Load(serial / pageSize); ok && q.(*page) != p {
					return r.Remove(serial)
				}
			}
			return 0
		}
		if slot.CompareAndSwap(uint64(old), 0) {
			break
		}
	}
	if old&flagBundle != 0 {
		r.setBundle(serial, nil)
	}
	return old
}

// MaxSerial returns the highest serial recorded, or 0.
func (r *Registry) MaxSerial() uint64 {
	var highest uint64
	r.each(func(serial uint64, _ Slot) { highest = max(highest, serial) })
	return highest
}

// each calls f with every recorded object's serial and slot.
func (r *Registry) each(f func(serial uint64, word Slot)) {
	r.pages.Range(func(k, v any) bool {
		base := k.(uint64) * pageSize
		p := v.(*page)
		for i := range p.slots {
			if word := Slot(p.slots[i].Load()); word&flagPresent != 0 {
				f(base+uint64(i), word)
			}
		}
		return true
	})
}

// Collect returns the live objects that keep accepts, given their
// serial and slot, sorted by serial. A nil keep accepts all.
func (r *Registry) Collect(keep func(serial uint64, w Slot) bool) []Object {
	var out []Object
	r.each(func(serial uint64, word Slot) {
		if keep != nil && !keep(serial, word) {
			return
		}
		o := Object{
			Serial:   serial,
			Addr:     r.addressOf(serial),
			Site:     stack.ID(word >> siteShift & siteMask),
			Scope:    word.Scope(),
			Reported: word.Reported(),
		}
		if o.Type = r.typeNumbered(uint64(word & typeMask)); o.Type == nil {
			return
		}
		if word&flagBundle != 0 {
			o.Bundle = r.bundle(serial)
		}
		out = append(out, o)
	})
	slices.SortFunc(out, func(a, b Object) int { return cmp.Compare(a.Serial, b.Serial) })
	return out
}

// addressOf returns the address recorded with a live object.
func (r *Registry) addressOf(serial uint64) uintptr {
	if p := r.page(serial, false); p != nil {
		return p.addrs[serial%pageSize].Load()
	}
	return 0
}

// MarkReported marks the objects of serials as reported by a verdict.
func (r *Registry) MarkReported(serials []uint64) {
	for _, s := range serials {
		r.rewrite(s, func(old uint64) uint64 { return old | flagReported })
	}
}
