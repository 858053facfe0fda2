package trackable

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/padded"
)

// Inventory is the default tracker, pytracker's Tracker: for each type, the
// number of objects attached and alive ("live", pytracker's "allocated")
// and the number destroyed while attached ("retired"), plus, for the types
// that ask for it, a record of each live object's serial and bundle.
//
// Set it as the global tracker to count every tracked object:
//
//	inv := trackable.NewInventory()
//	trackable.SetGlobalTracker(inv)
//
// Its notification methods take no lock shared between types and none at
// all unless per-object records are on for the type: counts are atomic.
// After a forced garbage collection and a drained cleanup queue, Live is
// exactly the number of attached objects still alive.
//
// An Inventory must not be copied after first use.
type Inventory struct {
	types sync.Map // reflect.Type -> *typeEntry
	// byIndex holds the entries by Event.TypeIndex, so that an event finds
	// its entry without a map lookup. It is copied when it grows.
	byIndex   atomic.Pointer[[]*typeEntry]
	byIndexMu sync.Mutex

	// mu serializes dumps and guards lastDump. Notifications never take
	// it.
	mu       sync.Mutex
	lastDump *Snapshot

	growth growth
}

// typeEntry holds the counts of one type.
//
// Live is not a counter of its own: it is attached - detached - destroyed.
// Each counter sits on its own cache line, so that goroutines making
// objects (attached) and the runtime's cleanup goroutines (destroyed) do
// not fight over one line.
type typeEntry struct {
	typ       reflect.Type
	objects   atomic.Pointer[objectTable] // nil unless object tracking is on
	attached  padded.Int64
	detached  padded.Int64
	destroyed padded.Int64
}

// NewInventory returns an empty inventory.
func NewInventory() *Inventory { return &Inventory{} }

// counts returns the live and retired counts. Destroyed and detached are
// read before attached: every object they count was attached before, so
// live is never below the number of objects really alive, even while
// notifications arrive.
func (te *typeEntry) counts() (live, retired int64) {
	destroyed := te.destroyed.Load()
	detached := te.detached.Load()
	attached := te.attached.Load()
	return attached - detached - destroyed, destroyed
}

// forget counts an object that left the live count (moved to another
// tracker, or destroyed) on counter, and drops its record.
func (te *typeEntry) forget(e Event, counter *padded.Int64) {
	counter.Add(1)
	if tab := te.objects.Load(); tab != nil {
		tab.remove(e.Serial)
	}
}

func (inv *Inventory) entry(t reflect.Type) *typeEntry {
	if v, ok := inv.types.Load(t); ok {
		return v.(*typeEntry)
	}
	v, _ := inv.types.LoadOrStore(t, &typeEntry{typ: t})
	return v.(*typeEntry)
}

// entryOf finds the entry of an event's type, by its type index when the
// event came from Track or Watch.
func (inv *Inventory) entryOf(e Event) *typeEntry {
	i := e.TypeIndex()
	if i == 0 {
		return inv.entry(e.Type)
	}
	if tab := inv.byIndex.Load(); tab != nil && i < len(*tab) {
		if te := (*tab)[i]; te != nil {
			return te
		}
	}
	te := inv.entry(e.Type)
	inv.byIndexMu.Lock()
	defer inv.byIndexMu.Unlock()
	var old []*typeEntry
	if p := inv.byIndex.Load(); p != nil {
		old = *p
	}
	tab := make([]*typeEntry, max(len(old), i+1))
	copy(tab, old)
	tab[i] = te
	inv.byIndex.Store(&tab)
	return te
}

// NotifyAttached counts a new live object (and records it, if object
// tracking is on for its type).
func (inv *Inventory) NotifyAttached(e Event) {
	te := inv.entryOf(e)
	te.attached.Add(1)
	if tab := te.objects.Load(); tab != nil {
		tab.put(e.Serial, e.Bundle)
	}
}

// NotifyDetached stops counting an object that moved to another tracker.
func (inv *Inventory) NotifyDetached(e Event) {
	te := inv.entryOf(e)
	te.forget(e, &te.detached)
}

// NotifyUpdated records the object's new bundle, if object tracking is on
// for its type.
func (inv *Inventory) NotifyUpdated(e Event) {
	if tab := inv.entryOf(e).objects.Load(); tab != nil {
		tab.put(e.Serial, e.Bundle)
	}
}

// NotifyDestroyed moves an object from live to retired.
func (inv *Inventory) NotifyDestroyed(e Event) {
	te := inv.entryOf(e)
	te.forget(e, &te.destroyed)
}

// SetObjectTracking turns the record of each live object of type t on or
// off (pytracker's set_object_tracking). t may be the struct type or a
// pointer to it: reflect.TypeFor[Conn]() or reflect.TypeFor[*Conn]().
//
// Records start with the objects attached or updated after the call.
// Turning tracking off drops the records; turning it on when it is
// already on keeps them.
func (inv *Inventory) SetObjectTracking(t reflect.Type, enable bool) {
	te := inv.entry(objectTypeOf("SetObjectTracking", t))
	if !enable {
		te.objects.Store(nil)
		return
	}
	te.objects.CompareAndSwap(nil, newObjectTable())
}

// ResetObjectTracking forgets the records kept for type t and goes on
// recording (pytracker's reset_object_tracking). It does nothing if object
// tracking is off for t.
func (inv *Inventory) ResetObjectTracking(t reflect.Type) {
	te := inv.entry(objectTypeOf("ResetObjectTracking", t))
	for {
		old := te.objects.Load()
		if old == nil || te.objects.CompareAndSwap(old, newObjectTable()) {
			return
		}
	}
}

// ObjectTracking reports whether object tracking is on for type t.
func (inv *Inventory) ObjectTracking(t reflect.Type) bool {
	v, ok := inv.types.Load(objectTypeOf("ObjectTracking", t))
	return ok && v.(*typeEntry).objects.Load() != nil
}

// objectTypeOf normalizes the type arguments of the object tracking
// methods: *T means T, as in Event.Type.
func objectTypeOf(method string, t reflect.Type) reflect.Type {
	if t == nil {
		panic(fmt.Sprintf("trackable: Inventory.%s(nil, ...): pass the tracked type, e.g. reflect.TypeFor[Conn]()", method))
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// objectTable maps the serial numbers of a type's live objects to their
// bundles.
type objectTable struct {
	padded.SerialMap
}

func newObjectTable() *objectTable { return &objectTable{} }

func (tab *objectTable) put(serial uint64, bundle any) { tab.Store(serial, bundle) }
func (tab *objectTable) remove(serial uint64)          { tab.Delete(serial) }

// records returns the records sorted by serial.
func (tab *objectTable) records() []ObjectRecord {
	n := tab.Len()
	out := make([]ObjectRecord, 0, n+n/8)
	tab.Range(func(serial uint64, b any) {
		out = append(out, ObjectRecord{Serial: serial, Bundle: b})
	})
	sortRecords(out)
	return out
}
