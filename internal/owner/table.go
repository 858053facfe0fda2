package owner

import (
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/registry"
)

// Table is a process's owners, by number: the numbers that the labels
// of their goroutines carry, and that the registry keeps in the slots of
// their objects. A number is never reused; its entry is cleared when the
// owner ends, so that a finished test keeps no memory but its 8-byte
// entry. The zero Table is ready to use; it must not be copied.
type Table struct {
	next   atomic.Uint32 // the last number handed out
	chunks [(registry.MaxScope + 1) >> chunkBits]atomic.Pointer[chunk]
	mu     sync.Mutex // guards making chunks

	// ambient is the innermost ambient owner that is active.
	ambient atomic.Pointer[Owner]

	// labels remembers, for the label sets seen last, the number they
	// carry (0: none), so that finding the owner of the goroutine that
	// tracks an object costs a load and a comparison. An entry holds its
	// label set, which therefore cannot be freed and its address reused
	// while the entry exists: what the address says never changes.
	labels [256]atomic.Pointer[labelEntry]

	// functions lists the active owners that know their test's function,
	// copied on change; changed is bumped each time one is added, and
	// uselessIDs notes the creation sites whose goroutine ids tell no
	// test (fallback.go).
	functions struct {
		mu   sync.Mutex
		list atomic.Pointer[[]*Owner]
	}
	changed    atomic.Uint64
	uselessIDs sync.Map // stack.ID -> *uselessCount
}

// The table is made of chunks of entries, made as numbers are handed out.
const chunkBits = 12

type chunk [1 << chunkBits]atomic.Pointer[Owner]

type labelEntry struct {
	labels ancestry.Labels
	num    uint32
}

// Begin makes o active: objects and goroutines of the calling goroutine
// and its descendants are o's from now on. It gives o a number and marks
// the calling goroutine with a label that carries it; if numbers ran out
// (8 million owners in one process), o gets 0 and is found by its
// goroutine and its function only.
func (t *Table) Begin(o *Owner) {
	t.register(o)
	if o.Num != 0 {
		o.labels, o.previous = ancestry.Mark(strconv.FormatUint(uint64(o.Num), 10))
	}
	if o.Ambient {
		t.ambient.Store(o)
	}
	if o.Function != "" {
		t.addFunction(o)
	}
}

// End makes o inactive: its objects, if still alive, are no active
// owner's. Called on the goroutine that began o, it gives that goroutine
// its labels back.
func (t *Table) End(o *Owner) {
	if o.Num != 0 {
		t.chunks[o.Num>>chunkBits].Load()[o.Num&(1<<chunkBits-1)].Store(nil)
	}
	if o.Function != "" {
		t.removeFunction(o)
	}
	if o.Ambient {
		t.ambient.CompareAndSwap(o, nil)
	}
	if o.Num != 0 && ancestry.Current() == o.labels {
		ancestry.Restore(o.previous)
	}
}

func (t *Table) register(o *Owner) {
	n := t.next.Add(1)
	if n > registry.MaxScope {
		return
	}
	o.Num = n
	c := t.chunks[n>>chunkBits].Load()
	if c == nil {
		t.mu.Lock()
		if c = t.chunks[n>>chunkBits].Load(); c == nil {
			c = new(chunk)
			t.chunks[n>>chunkBits].Store(c)
		}
		t.mu.Unlock()
	}
	c[n&(1<<chunkBits-1)].Store(o)
}

// Numbered returns the active owner numbered n, or nil.
func (t *Table) Numbered(n uint32) *Owner {
	if n == 0 {
		return nil
	}
	c := t.chunks[n>>chunkBits%uint32(len(t.chunks))].Load()
	if c == nil {
		return nil
	}
	return c[n&(1<<chunkBits-1)].Load()
}

// Current returns the owner of an object made now on the calling
// goroutine: the active owner that the goroutine descends from, else the
// ambient owner, else nil. labelled says whether the goroutine carries an
// owner's label at all (ended or not): an unlabelled goroutine may still
// be found by its id or its stack (ByStack).
func (t *Table) Current() (o *Owner, labelled bool) {
	if l := ancestry.Current(); l != nil {
		if n := t.numberOf(l); n != 0 {
			return t.Numbered(n), true
		}
	}
	return t.ambient.Load(), false
}

// numberOf returns the owner number that label set l carries.
func (t *Table) numberOf(l ancestry.Labels) uint32 {
	h := uint64(uintptr(unsafe.Pointer(l))) * 0x9E3779B97F4A7C15 >> 56
	slot := &t.labels[h]
	if e := slot.Load(); e != nil && e.labels == l {
		return e.num
	}
	e := &labelEntry{labels: l}
	if v, ok := ancestry.Value(l); ok {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			e.num = uint32(n)
		}
	}
	slot.Store(e)
	return e.num
}
