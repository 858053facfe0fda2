package heapdump

import (
	"cmp"
	"fmt"
	"slices"
)

// addressIndex finds the object that contains an address (pointers into
// the middle of objects are common: a field, a slice element) without
// sorting the objects themselves, which would take as much memory again
// as the table of objects.
//
// The runtime writes objects span by span, and within a span in address
// order. The index cuts the sequence of objects into runs, each in
// address order with no other object between its first and its last,
// sorts the runs (tens of thousands for a heap of millions of objects),
// and looks an address up with two binary searches: for the run, then in
// the run.
//
// A run goes on while the next object starts at most pageSize bytes after
// the previous one ends. Within one span that holds trivially. Across two
// spans, the bytes between the end of an object of the first and the
// start of an object of the second are less than a page, and every span
// is at least a page: no third span, and so no foreign object, fits
// there. Runs also stop at the end of a block of the objectTable, so that
// each is one slice.
//
// A directory of pages then takes the first binary search's place: for
// each page between the lowest and the highest object, the last run that
// starts at or before the page, from which at most a few runs (those that
// start inside the page) are stepped over. It costs 4 bytes per page, and
// is made only when the heap is dense enough for that to be at most 4
// bytes per object.
//
// If runs overlap anyway (a dump from a runtime with other rules, or a
// corrupt one), the index falls back to one run per object, sorted: the
// plain way, which the tests compare this with.
type addressIndex struct {
	runs    []objectRun
	pages   []uint32 // for the page of index (addr-lo)/pageSize, the last run that starts at or before it
	lo, hi  uint64   // no object outside [lo, hi)
	lastEnd uint64   // end of the last object noted, while building
}

// objectRun is a run of objects with consecutive indexes, in address
// order, with no other object in between.
type objectRun struct {
	first uint64 // address of its first object
	start uint32 // index of its first object
	count uint32
}

// note adds the object of index i, the next one read from the dump.
func (x *addressIndex) note(i int, addr, size uint64) {
	end := addr + size
	if len(x.runs) == 0 {
		x.lo, x.hi = addr, end
	}
	x.lo, x.hi = min(x.lo, addr), max(x.hi, end)
	if n := len(x.runs); n > 0 && !startsBlock(i) && addr >= x.lastEnd && addr-x.lastEnd < pageSize {
		x.runs[n-1].count++
	} else {
		x.runs = append(x.runs, objectRun{first: addr, start: uint32(i), count: 1})
	}
	x.lastEnd = end
}

// finish sorts the runs once every object is noted. It fails when two
// objects overlap.
func (x *addressIndex) finish(objects *objectTable, shapes []shape) error {
	byFirst := func(a, b objectRun) int { return cmp.Compare(a.first, b.first) }
	slices.SortFunc(x.runs, byFirst)
	if x.overlap(objects, shapes) < 0 {
		x.makePages(objects.n)
		return nil
	}
	x.runs = make([]objectRun, objects.n)
	for i := range x.runs {
		x.runs[i] = objectRun{first: objects.at(i).addr, start: uint32(i), count: 1}
	}
	slices.SortFunc(x.runs, byFirst)
	if k := x.overlap(objects, shapes); k >= 0 {
		a, b := objects.at(int(x.runs[k].start)), objects.at(int(x.runs[k+1].start))
		return fmt.Errorf("heapdump: the objects at %#x (%d bytes) and %#x overlap: the dump is corrupt", a.addr, shapes[a.shape].size, b.addr)
	}
	x.makePages(objects.n)
	return nil
}

// makePages makes the directory of pages, when it takes at most 4 bytes
// per object.
func (x *addressIndex) makePages(objects int) {
	if len(x.runs) == 0 || (x.hi-x.lo)/pageSize >= uint64(max(objects, 1<<16)) {
		return
	}
	x.pages = make([]uint32, (x.hi-x.lo+pageSize-1)/pageSize)
	k := 0
	for p := range x.pages {
		start := x.lo + uint64(p)*pageSize
		for k+1 < len(x.runs) && x.runs[k+1].first <= start {
			k++
		}
		x.pages[p] = uint32(k)
	}
}

// overlap returns the index of the first run that overlaps the next one,
// or -1.
func (x *addressIndex) overlap(objects *objectTable, shapes []shape) int {
	for k := 0; k+1 < len(x.runs); k++ {
		r := x.runs[k]
		last := objects.at(int(r.start) + int(r.count) - 1)
		if last.addr+shapes[last.shape].size > x.runs[k+1].first {
			return k
		}
	}
	return -1
}

// lookup returns the index of the object that contains addr, or -1.
func (x *addressIndex) lookup(addr uint64, objects *objectTable, shapes []shape) int {
	if addr < x.lo || addr >= x.hi {
		return -1
	}
	runs := x.runs
	var k int // the last run that starts at or before addr
	if x.pages != nil {
		k = int(x.pages[(addr-x.lo)/pageSize])
		for k+1 < len(runs) && runs[k+1].first <= addr {
			k++
		}
	} else {
		lo, hi := 0, len(runs)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if runs[m].first <= addr {
				lo = m + 1
			} else {
				hi = m
			}
		}
		k = lo - 1
	}
	if k < 0 || runs[k].first > addr {
		return -1
	}
	r := runs[k]
	entries := objects.span(int(r.start), int(r.count))
	lo, hi := 0, len(entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if entries[m].addr <= addr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	e := &entries[lo-1]
	if addr-e.addr < shapes[e.shape].size {
		return int(r.start) + lo - 1
	}
	return -1
}
