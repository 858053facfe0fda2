package leakcheck

import (
	"cmp"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/padded"
	"github.com/objtrack/objtrack/internal/stack"
)

// The registry records the objects that a verdict may judge: their type,
// bundle, creation site and the scope (checked test) they belong to. There
// is one per process (reg, in state.go).
//
// Its hot paths (an object tracked, an object freed) take no lock: each
// object is one atomic word in a page of slots indexed by serial number,
// pointer-free so that the garbage collector never scans it. Bundles,
// which hold pointers, live in a separate map, and only objects that have
// one pay for it.
type registry struct {
	stacks  stack.Table
	stacked atomic.Int32 // active scopes that want creation sites

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

	mu       sync.Mutex // guards growing types
	resolved sync.Map   // stack.ID -> []Frame, resolved once
}

// A slot packs what the registry knows of one object into 64 bits; 0 is
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

func pack(typ uint64, site stack.ID, scope uint32) uint64 {
	if uint64(site) > siteMask {
		site = 0 // more call paths than a slot can name: unrecorded
	}
	return flagPresent | typ&typeMask | uint64(site)<<siteShift | (uint64(scope)&scopeMask)<<scopeShift
}

func slotScope(word uint64) uint32 { return uint32(word >> scopeShift & scopeMask) }

// entry is what the registry knows of one live object, unpacked.
type entry struct {
	typ      reflect.Type
	addr     uintptr // an address inside the object (see observe.Observer)
	bundle   any
	site     stack.ID
	scope    uint32
	reported bool // already reported by a verdict
}

func (r *registry) setBundle(serial uint64, b any) {
	if b == nil {
		r.bundles.Delete(serial)
		return
	}
	r.bundles.Store(serial, b)
}

func (r *registry) bundle(serial uint64) any {
	b, _ := r.bundles.Load(serial)
	return b
}

// typeNumber returns the number that a slot holds for a type of index
// idx in package trackable, recording the type the first time. It is 0
// for more types than a slot can name: their objects are left out.
func (r *registry) typeNumber(t reflect.Type, idx int) uint64 {
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
func (r *registry) typeNumbered(n uint64) reflect.Type {
	if tab := r.types.Load(); tab != nil && n < uint64(len(*tab)) {
		return (*tab)[n]
	}
	return nil
}

// add records an object of scope number scope (0: none).
func (r *registry) add(serial uint64, typ reflect.Type, typeIndex int, bundle any, site stack.ID, scope uint32, addr uintptr) {
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
		if slot.CompareAndSwap(old, word) {
			return
		}
	}
}

func (r *registry) update(serial uint64, bundle any) {
	p := r.page(serial, false)
	if p == nil {
		return
	}
	slot := &p.slots[serial%pageSize]
	for {
		old := slot.Load()
		if old&flagPresent == 0 {
			return
		}
		word := old &^ flagBundle
		if bundle != nil {
			word |= flagBundle
		}
		r.setBundle(serial, bundle)
		if slot.CompareAndSwap(old, word) {
			return
		}
	}
}

// remove forgets a freed object and returns its slot word (0 if it was
// not recorded).
func (r *registry) remove(serial uint64) uint64 {
	p := r.page(serial, false)
	if p == nil {
		return 0
	}
	slot := &p.slots[serial%pageSize]
	var old uint64
	for {
		old = slot.Load()
		if old&flagPresent == 0 {
			if p.dead.Load() {
				// The page was dropped after the lookup: the object, if
				// recorded, is in the page that replaced it.
				if q, ok := r.pages.Load(serial / pageSize); ok && q.(*page) != p {
					return r.remove(serial)
				}
			}
			return 0
		}
		if slot.CompareAndSwap(old, 0) {
			break
		}
	}
	if old&flagBundle != 0 {
		r.setBundle(serial, nil)
	}
	return old
}

// maxSerial returns the highest serial recorded, or 0.
func (r *registry) maxSerial() uint64 {
	var highest uint64
	r.each(func(serial, _ uint64) { highest = max(highest, serial) })
	return highest
}

// live is one live object, copied out of the registry.
type live struct {
	serial uint64
	entry
}

// each calls f with every recorded object's serial and slot word.
func (r *registry) each(f func(serial, word uint64)) {
	r.pages.Range(func(k, v any) bool {
		base := k.(uint64) * pageSize
		p := v.(*page)
		for i := range p.slots {
			if word := p.slots[i].Load(); word&flagPresent != 0 {
				f(base+uint64(i), word)
			}
		}
		return true
	})
}

// collect returns the live objects that keep accepts, given their serial
// and slot word, sorted by serial.
func (r *registry) collect(keep func(serial, word uint64) bool) []live {
	var out []live
	r.each(func(serial, word uint64) {
		if !keep(serial, word) {
			return
		}
		en := entry{
			addr:     r.addressOf(serial),
			site:     stack.ID(word >> siteShift & siteMask),
			scope:    slotScope(word),
			reported: word&flagReported != 0,
		}
		if en.typ = r.typeNumbered(word & typeMask); en.typ == nil {
			return
		}
		if word&flagBundle != 0 {
			en.bundle = r.bundle(serial)
		}
		out = append(out, live{serial, en})
	})
	slices.SortFunc(out, func(a, b live) int { return cmp.Compare(a.serial, b.serial) })
	return out
}

// addressOf returns the address recorded with a live object.
func (r *registry) addressOf(serial uint64) uintptr {
	if p := r.page(serial, false); p != nil {
		return p.addrs[serial%pageSize].Load()
	}
	return 0
}

func (r *registry) markReported(serials []uint64) {
	for _, s := range serials {
		p := r.page(s, false)
		if p == nil {
			continue
		}
		slot := &p.slots[s%pageSize]
		for {
			old := slot.Load()
			if old&flagPresent == 0 || slot.CompareAndSwap(old, old|flagReported) {
				break
			}
		}
	}
}
