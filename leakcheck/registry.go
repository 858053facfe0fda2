package leakcheck

import (
	"cmp"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/stack"
	"github.com/objtrack/objtrack/trackable"
)

// The registry records every object attached while a leakcheck scope is
// in effect: its type, bundle, creation site and the scopes that were
// active when it was made. There is one per process, because there is one
// global tracker.
//
// Its hot paths (an object attached, an object destroyed) take no lock:
// each object is one atomic word in a page of slots indexed by serial
// number, pointer-free so that the garbage collector never scans it.
// Bundles, which hold pointers, live in a separate map, and only objects
// that have one pay for it.
var reg registry

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
	bundles              [64]bundleShard

	typeIDs sync.Map // reflect.Type -> uint64 type number

	// generation numbers the successive sets of active scopes; objects
	// record the generation they were born in. Each set is written before
	// its generation is published, and never changes after.
	generation atomic.Uint64
	sets       [1 << (genBits - setChunkBits)]atomic.Pointer[setChunk]

	mu        sync.Mutex     // guards the fields below, and changes to sets
	types     []reflect.Type // index: type number - 1
	active    *activeSet
	installed *scopeTracker // the global tracker while scopes are active
	resolved  map[stack.ID][]stack.Frame
}

// activeSet is an immutable list of the scopes active at one moment.
type activeSet struct {
	scopes []*scope
	// removed counts the objects made while this set was active that
	// were freed or detached since. One count per set, not per scope,
	// keeps the cleanup of an object to one addition however many scopes
	// are active; a scope sums the sets of its lifetime (removedSince).
	removed atomic.Uint64
}

func (a *activeSet) has(s *scope) bool {
	return a != nil && slices.Contains(a.scopes, s)
}

// A slot packs what the registry knows of one object into 64 bits: 0 is
// an empty slot.
const (
	typeBits     = 16
	siteBits     = 22
	genBits      = 23
	flagPresent  = 1 << 63
	flagReported = 1 << 62
	flagBundle   = 1 << 61
	siteShift    = typeBits
	genShift     = typeBits + siteBits
	typeMask     = 1<<typeBits - 1
	siteMask     = 1<<siteBits - 1
	genMask      = 1<<genBits - 1
)

func pack(typ uint64, site stack.ID, gen uint64) uint64 {
	if uint64(site) > siteMask {
		site = 0 // more call paths than a slot can name: unrecorded
	}
	return flagPresent | typ&typeMask | uint64(site)<<siteShift | (gen&genMask)<<genShift
}

// entry is what the registry knows of one live object, unpacked.
type entry struct {
	typ      reflect.Type
	bundle   any
	site     stack.ID
	born     *activeSet
	reported bool // already reported by a verdict
}

type bundleShard struct {
	mu sync.Mutex
	m  map[uint64]any
	_  [40]byte
}

func (r *registry) bundleShard(serial uint64) *bundleShard {
	return &r.bundles[serial%uint64(len(r.bundles))]
}

func (r *registry) setBundle(serial uint64, b any) {
	sh := r.bundleShard(serial)
	sh.mu.Lock()
	if b == nil {
		delete(sh.m, serial)
	} else {
		if sh.m == nil {
			sh.m = map[uint64]any{}
		}
		sh.m[serial] = b
	}
	sh.mu.Unlock()
}

func (r *registry) bundle(serial uint64) any {
	sh := r.bundleShard(serial)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.m[serial]
}

// typeID numbers a type, the first time it is seen.
func (r *registry) typeID(t reflect.Type) uint64 {
	if id, ok := r.typeIDs.Load(t); ok {
		return id.(uint64)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.typeIDs.Load(t); ok {
		return id.(uint64)
	}
	if len(r.types) >= typeMask {
		return 0 // more types than a slot can name: recorded as unknown
	}
	r.types = append(r.types, t)
	id := uint64(len(r.types))
	r.typeIDs.Store(t, id)
	return id
}

func (r *registry) add(e trackable.Event, site stack.ID) {
	word := pack(r.typeID(e.Type), site, r.generation.Load())
	if e.Bundle != nil {
		word |= flagBundle
		r.setBundle(e.Serial, e.Bundle)
	}
	for {
		p := r.page(e.Serial, true)
		slot := &p.slots[e.Serial%pageSize]
		old := slot.Load()
		if old == slotClosed {
			r.waitOrDrop(p, e.Serial/pageSize)
			continue
		}
		// old is not empty if the object is attached again without a
		// detach: it is one object, recorded again.
		if slot.CompareAndSwap(old, word) {
			return
		}
	}
}

func (r *registry) update(e trackable.Event) {
	p := r.page(e.Serial, false)
	if p == nil {
		return
	}
	slot := &p.slots[e.Serial%pageSize]
	for {
		old := slot.Load()
		if old&flagPresent == 0 {
			return
		}
		word := old &^ flagBundle
		if e.Bundle != nil {
			word |= flagBundle
		}
		r.setBundle(e.Serial, e.Bundle)
		if slot.CompareAndSwap(old, word) {
			return
		}
	}
}

func (r *registry) remove(serial uint64) {
	p := r.page(serial, false)
	if p == nil {
		return
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
					r.remove(serial)
				}
			}
			return
		}
		if slot.CompareAndSwap(old, 0) {
			break
		}
	}
	if old&flagBundle != 0 {
		r.setBundle(serial, nil)
	}
	if set := r.setAt(old >> genShift & genMask); set != nil {
		set.removed.Add(1)
	}
}

// setChunk holds the active sets of 1<<setChunkBits generations.
type setChunk [1 << setChunkBits]atomic.Pointer[activeSet]

const setChunkBits = 12

func (r *registry) setAt(gen uint64) *activeSet {
	chunk := r.sets[gen>>setChunkBits&(1<<(genBits-setChunkBits)-1)].Load()
	if chunk == nil {
		return nil
	}
	return chunk[gen&(1<<setChunkBits-1)].Load()
}

// removedSince counts the objects removed that were made in generations
// from first to the current one (to last, if last is not 0): the objects
// of a scope that began at first and ended at last.
func (r *registry) removedSince(first, last uint64) uint64 {
	if last == 0 {
		last = r.generation.Load()
		if last == 0 {
			return 0 // no scope ever began
		}
	}
	var n uint64
	for gen := first; ; gen = (gen + 1) & genMask {
		if set := r.setAt(gen); set != nil {
			n += set.removed.Load()
		}
		if gen == last {
			return n
		}
	}
}

// live is one live object, copied out of the registry.
type live struct {
	serial uint64
	entry
}

// collect returns the live objects that keep says to, sorted by serial.
func (r *registry) collect(keep func(*entry) bool) []live {
	r.mu.Lock()
	types := r.types
	r.mu.Unlock()
	var out []live
	r.pages.Range(func(k, v any) bool {
		base := k.(uint64) * pageSize
		p := v.(*page)
		for i := range p.slots {
			word := p.slots[i].Load()
			if word&flagPresent == 0 {
				continue
			}
			serial := base + uint64(i)
			en := entry{
				site:     stack.ID(word >> siteShift & siteMask),
				born:     r.setAt(word >> genShift & genMask),
				reported: word&flagReported != 0,
			}
			if id := word & typeMask; id > 0 && int(id) <= len(types) {
				en.typ = types[id-1]
			}
			if en.typ == nil {
				continue
			}
			if word&flagBundle != 0 {
				en.bundle = r.bundle(serial)
			}
			if keep(&en) {
				out = append(out, live{serial, en})
			}
		}
		return true
	})
	slices.SortFunc(out, func(a, b live) int { return cmp.Compare(a.serial, b.serial) })
	return out
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

// allTypes returns every type ever recorded.
func (r *registry) allTypes() []reflect.Type {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.types)
}

// frames resolves a creation site once and remembers it.
func (r *registry) frames(id stack.ID) []stack.Frame {
	if id == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.resolved[id]; ok {
		return f
	}
	f := r.stacks.Frames(id, hiddenFrames...)
	if r.resolved == nil {
		r.resolved = map[stack.ID][]stack.Frame{}
	}
	r.resolved[id] = f
	return f
}

// hiddenFrames are left out of creation sites: they are the same for
// every object.
var hiddenFrames = []string{
	"github.com/objtrack/objtrack/trackable.",
	"github.com/objtrack/objtrack/leakcheck.",
	"github.com/onsi/ginkgo/v2/", // the frames that run a spec
}

// setActive starts a new generation with the given active scopes and
// returns its number. r.mu must be held.
//
// Generation numbers wrap around, skipping 0, which means "none": no
// scope began yet, or a scope has not ended.
func (r *registry) setActive(next *activeSet) uint64 {
	r.active = next
	gen := (r.generation.Load() + 1) & genMask
	if gen == 0 {
		gen = 1
	}
	c := &r.sets[gen>>setChunkBits]
	if c.Load() == nil {
		c.Store(new(setChunk))
	}
	c.Load()[gen&(1<<setChunkBits-1)].Store(next)
	r.generation.Store(gen)
	return gen
}
