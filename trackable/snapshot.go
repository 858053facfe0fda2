package trackable

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/objtrack/objtrack/internal/typename"
)

// Snapshot is the state of an [Inventory] at one moment: every type it has
// ever counted, sorted by name.
type Snapshot struct {
	Types []TypeCount `json:"types"`
	// Growing lists the types whose live count keeps rising, when the
	// inventory samples its counts (see [Inventory.StartSampling]).
	Growing []Growth `json:"growing,omitempty"`
}

// TypeCount is the state of one type in a [Snapshot].
type TypeCount struct {
	// Name is the type as "pkg.Type"; when two counted types print the
	// same, both use their full import path instead.
	Name string `json:"type"`
	// Type is the counted type (the struct, not the pointer).
	Type reflect.Type `json:"-"`
	// Live is the number of objects attached and not yet destroyed
	// (pytracker's "allocated").
	Live int64 `json:"live"`
	// Retired is the number of objects destroyed while attached.
	Retired int64 `json:"retired"`
	// ObjectTracking is true when the inventory records each live object
	// of this type; Objects then lists them by serial.
	ObjectTracking bool           `json:"object_tracking,omitempty"`
	Objects        []ObjectRecord `json:"objects,omitempty"`
}

// ObjectRecord is one live object recorded by object tracking.
type ObjectRecord struct {
	Serial uint64 `json:"serial"`
	Bundle any    `json:"bundle,omitempty"`
}

func sortRecords(rs []ObjectRecord) {
	slices.SortFunc(rs, func(a, b ObjectRecord) int { return cmp.Compare(a.Serial, b.Serial) })
}

// Snapshot returns the current counts of every type the inventory has
// seen, with the records of the types under object tracking. It takes no
// lock that notifications wait on, except briefly each record shard.
func (inv *Inventory) Snapshot() Snapshot {
	var s Snapshot
	s.Types = make([]TypeCount, 0, 16)
	inv.types.Range(func(_, v any) bool {
		te := v.(*typeEntry)
		tc := TypeCount{Type: te.typ}
		tc.Live, tc.Retired = te.counts()
		if tab := te.objects.Load(); tab != nil {
			tc.ObjectTracking = true
			tc.Objects = tab.records()
		}
		s.Types = append(s.Types, tc)
		return true
	})
	nameTypes(s.Types)
	s.Growing = inv.Growing()
	return s
}

// nameTypes fills in the names and sorts by them.
func nameTypes(tcs []TypeCount) {
	for i := range tcs {
		tcs[i].Name = tcs[i].Type.String()
	}
	slices.SortFunc(tcs, func(a, b TypeCount) int { return strings.Compare(a.Name, b.Name) })
	clash := false
	for i := 1; i < len(tcs); i++ {
		if tcs[i].Name == tcs[i-1].Name {
			clash = true
			tcs[i].Name, tcs[i-1].Name = typename.Full(tcs[i].Type), typename.Full(tcs[i-1].Type)
		}
	}
	if clash {
		slices.SortFunc(tcs, func(a, b TypeCount) int { return strings.Compare(a.Name, b.Name) })
	}
}

// Lookup returns the count of the one type that name names: its bare
// name ("Conn"), its name qualified by package ("db.Conn") or its full
// name ("example.com/db.Conn"). It returns an error that lists the
// candidates when name matches no type the inventory has counted, or
// several.
func (s Snapshot) Lookup(name string) (TypeCount, error) {
	var found []TypeCount
	for _, tc := range s.Types {
		if typename.Matches(tc.Type, name) {
			found = append(found, tc)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return TypeCount{}, fmt.Errorf("trackable: no type named %q was ever tracked by this inventory; known types: %s", name, typeList(s.Types))
	default:
		return TypeCount{}, fmt.Errorf("trackable: type name %q is ambiguous: it matches %s; use the full name", name, typeList(found))
	}
}

func typeList(tcs []TypeCount) string {
	if len(tcs) == 0 {
		return "none"
	}
	names := make([]string, len(tcs))
	for i, tc := range tcs {
		names[i] = typename.Full(tc.Type)
	}
	return strings.Join(names, ", ")
}

// TotalLive returns the number of live objects over all types.
func (s Snapshot) TotalLive() int64 {
	var n int64
	for _, tc := range s.Types {
		n += tc.Live
	}
	return n
}
