package inspect

import (
	"reflect"

	"github.com/objtrack/objtrack/trackable"
)

// A view is what every surface shows, built once from one snapshot: the
// types asked for, at most a given number of object records per type,
// and, against a baseline, the change of each count. The text, JSON,
// HTML, expvar and slog renderings all read a view, so that they agree
// on what is shown and what is held back.
type view struct {
	types   []typeView
	growing []trackable.Growth
	// complete is true when the view holds every type that the inventory
	// counted, so that a type missing from a baseline taken from it is new.
	complete bool
}

// typeView is one type of a view.
type typeView struct {
	trackable.TypeCount // Objects holds the records shown, no more
	// moreObjects counts the records held back by the limit.
	moreObjects int
	// changed is true when a baseline says what the counts were; then
	// liveChange and retiredChange are the differences.
	changed                   bool
	liveChange, retiredChange int64
	growth                    *trackable.Growth // nil unless the type keeps growing
	samples                   []int64           // live at each sample, oldest first; filled on demand
}

// counts is what a baseline remembers of a type.
type counts struct{ live, retired int64 }

// baseline is the counts of an earlier view, which a later view shows
// its changes against.
type baseline struct {
	counts map[reflect.Type]counts
	// complete is true when the earlier view held every type: a type
	// missing from it did not exist then, and all its objects are new.
	complete bool
}

// newView narrows a snapshot: keep says which types to show (nil: all),
// objects how many records per type (0: none), and base, if not nil, the
// baseline of the changes.
func newView(s trackable.Snapshot, keep []bool, objects int, base *baseline) view {
	v := view{complete: keep == nil}
	v.types = make([]typeView, 0, len(s.Types))
	for i, tc := range s.Types {
		if keep != nil && !keep[i] {
			continue
		}
		tv := typeView{TypeCount: tc}
		tv.Objects, tv.moreObjects = limitRecords(tc.Objects, objects)
		if base != nil {
			old, counted := base.counts[tc.Type]
			if counted || base.complete {
				tv.changed = true
				tv.liveChange, tv.retiredChange = tc.Live-old.live, tc.Retired-old.retired
			}
		}
		v.types = append(v.types, tv)
	}
	// Growth names a type by reflect.Type's String, the largest rise
	// first; the view keeps that order.
	for j := range s.Growing {
		g := &s.Growing[j]
		shown := false
		for i := range v.types {
			if v.types[i].Type == g.Type {
				v.types[i].growth = g
				shown = true
			}
		}
		if shown {
			v.growing = append(v.growing, *g)
		}
	}
	return v
}

// withSamples fills in each type's samples, for the views that draw them.
func (v view) withSamples(inv *trackable.Inventory) view {
	for i := range v.types {
		v.types[i].samples = inv.Samples(v.types[i].Type)
	}
	return v
}

// baseline returns the counts of the view, for a later view to show its
// changes against.
func (v view) baseline() *baseline {
	b := &baseline{counts: make(map[reflect.Type]counts, len(v.types)), complete: v.complete}
	for _, tv := range v.types {
		b.counts[tv.Type] = counts{tv.Live, tv.Retired}
	}
	return b
}
