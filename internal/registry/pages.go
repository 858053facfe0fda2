package registry

import (
	"runtime"
	"sync/atomic"
)

// The registry keeps one slot per object in pages of pageSize consecutive
// serial numbers, found by serial/pageSize. Recording or forgetting an
// object is one compare-and-swap on its slot: pages keep no count of
// their objects, because the cleanup of every freed object would pay for
// it. Instead, empty pages are found by looking: each time a page is
// made, a few older ones are examined, and those found empty are
// dropped.
const pageSize = 4096

type page struct {
	slots [pageSize]atomic.Uint64
	// addrs holds an address inside each slot's object, for the
	// retention paths of a failed verdict: addresses, not pointers, so
	// that the page keeps nothing alive and the collector never scans it.
	addrs [pageSize]atomic.Uintptr
	// dead is set once every slot is closed: the page is dropped, and
	// objects of its serials go to a new page.
	dead atomic.Bool
}

// slotClosed marks a slot of a page being dropped. It lacks flagPresent,
// so readers take it for an empty slot; adders wait for the page to be
// dropped or reopened.
const slotClosed = 1

// pageRef names the page of one index.
type pageRef struct {
	idx uint64
	p   *page
}

func (r *Registry) page(serial uint64, create bool) *page {
	recent := &r.recentRemove
	if create {
		recent = &r.recentAdd
	}
	idx := serial / pageSize
	// Consecutive serials share a page: most lookups hit the page used
	// last. A page found dead is looked up again in the map.
	if c := recent.Load(); c != nil && c.idx == idx && !c.p.dead.Load() {
		return c.p
	}
	var p *page
	if v, ok := r.pages.Load(idx); ok {
		p = v.(*page)
	} else if create {
		v, loaded := r.pages.LoadOrStore(idx, new(page))
		p = v.(*page)
		if !loaded {
			r.dropEmptyPages(idx)
		}
	} else {
		return nil
	}
	recent.Store(&pageRef{idx, p})
	return p
}

// waitOrDrop is called by an adder that found a closed slot in p, page
// number idx: the page is being dropped, or reopened by a dropper that
// found it was not empty after all.
func (r *Registry) waitOrDrop(p *page, idx uint64) {
	if p.dead.Load() {
		r.pages.CompareAndDelete(idx, p)
		return
	}
	runtime.Gosched()
}

// How many page numbers dropEmptyPages looks at each time a page is made,
// and how many pages it reads, at most. Numbers with no page (dropped
// already) cost a map lookup; pages cost a read of their slots.
const (
	dropLookups = 64
	dropReads   = 4
)

// dropEmptyPages examines a few pages below page number made, continuing
// from where the last call stopped and starting over from the oldest page
// when it reaches the newest ones. A page emptied by cleanups is thus
// dropped after at most one round over the pages that exist, whatever the
// number of pages in between that were dropped already.
func (r *Registry) dropEmptyPages(made uint64) {
	idx := r.dropNext.Load()
	lookups, reads := 0, 0
	for ; lookups < dropLookups && reads < dropReads; idx++ {
		if idx+1 >= made { // spare the page before the one just made
			idx = r.oldestPage.Load()
			if idx+1 >= made {
				break
			}
		}
		lookups++
		v, ok := r.pages.Load(idx)
		gone := !ok
		if ok {
			reads++
			gone = r.dropIfEmpty(idx, v.(*page))
		}
		if gone {
			r.oldestPage.CompareAndSwap(idx, idx+1)
		}
	}
	r.dropNext.Store(idx)
}

// dropIfEmpty drops page p, number idx, if it has no objects, and reports
// whether it did. It closes every slot first, so that an object recorded
// meanwhile is either seen, and the page kept, or recorded in a new page.
func (r *Registry) dropIfEmpty(idx uint64, p *page) bool {
	for i := range p.slots {
		if p.slots[i].Load() != 0 {
			return false
		}
	}
	for i := range p.slots {
		if !p.slots[i].CompareAndSwap(0, slotClosed) {
			for j := range i { // an object arrived: reopen
				p.slots[j].Store(0)
			}
			return false
		}
	}
	p.dead.Store(true)
	r.pages.CompareAndDelete(idx, p)
	return true
}
