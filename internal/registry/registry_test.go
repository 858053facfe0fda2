package registry

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/stack"
)

type testObject [8]byte

// pageCount counts the pages that r holds.
func pageCount(r *Registry) int {
	n := 0
	r.pages.Range(func(any, any) bool { n++; return true })
	return n
}

// Goroutines record objects and forget most of them while pages are made
// and dropped: no recorded object is ever lost with a dropped page, and
// the pages emptied are dropped.
func TestPagesDropOnlyEmptyPages(t *testing.T) {
	var r Registry
	typ := reflect.TypeFor[testObject]()
	var serials atomic.Uint64
	const goroutines, perGoroutine, keepEvery = 4, 40 * pageSize, 997
	kept := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			var pending []uint64
			for range perGoroutine {
				s := serials.Add(1)
				r.Add(s, typ, 1, nil, 0, 0, 0)
				if s%keepEvery == 0 {
					kept[g] = append(kept[g], s)
					continue
				}
				// Forget objects a little later, as cleanups do.
				pending = append(pending, s)
				if len(pending) == 64 {
					for _, p := range pending {
						r.Remove(p)
					}
					pending = pending[:0]
				}
			}
			for _, p := range pending {
				r.Remove(p)
			}
		})
	}
	wg.Wait()

	var want []uint64
	for _, k := range kept {
		want = append(want, k...)
	}
	slices.Sort(want)
	var got []uint64
	for _, o := range r.Collect(nil) {
		got = append(got, o.Serial)
	}
	require.Equal(t, want, got, "exactly the kept objects are recorded")

	// Every page holds a kept object, so none was dropped. Forget them
	// and make new pages: each new page examines dropReads pages, and
	// adds one.
	before := pageCount(&r)
	assert.Equal(t, int(serials.Load()/pageSize)+1, before, "pages with objects are kept")
	for _, s := range want {
		r.Remove(s)
	}
	for range (before/(dropReads-1) + 4) * pageSize {
		s := serials.Add(1)
		r.Add(s, typ, 1, nil, 0, 0, 0)
		r.Remove(s)
	}
	assert.LessOrEqual(t, pageCount(&r), 3, "emptied pages are dropped as new ones are made")
	assert.Empty(t, r.Collect(nil))
}

// An object recorded into a page while it is being dropped is kept: the
// dropper reopens the page, or the object goes to a new page.
func TestPagesRecordIntoAPageBeingDropped(t *testing.T) {
	typ := reflect.TypeFor[testObject]()
	for round := range 200 {
		var r Registry
		// Page 0 exists and is empty; page 1 is made so that page 0 is
		// old enough to be dropped.
		r.Add(1, typ, 1, nil, 0, 0, 0)
		r.Remove(1)
		serial := uint64(2 + round%(pageSize-2))
		var wg sync.WaitGroup
		wg.Go(func() {
			if v, ok := r.pages.Load(uint64(0)); ok {
				r.dropIfEmpty(0, v.(*page))
			}
		})
		wg.Go(func() { r.Add(serial, typ, 1, nil, 0, 0, 0) })
		wg.Wait()
		live := r.Collect(nil)
		require.Len(t, live, 1, "round %d", round)
		assert.Equal(t, serial, live[0].Serial)
	}
}

// A slot keeps what it is given, whatever the width of each field.
func TestSlotsPackTheirFields(t *testing.T) {
	var r Registry
	typ := reflect.TypeFor[testObject]()
	// The highest aligned address, whatever the width of a pointer: every
	// bit of it must be kept.
	const addr = ^uintptr(0) &^ 0xf
	r.Add(7, typ, typeMask, "bundle", stack.ID(siteMask), scopeMask, addr)
	got := r.Collect(nil)
	require.Len(t, got, 1)
	assert.Equal(t, typ, got[0].Type)
	assert.Equal(t, "bundle", got[0].Bundle)
	assert.Equal(t, stack.ID(siteMask), got[0].Site)
	assert.Equal(t, uint32(scopeMask), got[0].Scope)
	assert.Equal(t, addr, got[0].Addr, "the address is kept beside the slot")
	assert.False(t, got[0].Reported)
	r.MarkReported([]uint64{7})
	assert.True(t, r.Collect(nil)[0].Reported)
	word := r.Remove(7)
	assert.Equal(t, uint32(scopeMask), word.Scope(), "remove returns the word it cleared")
	assert.Zero(t, r.Remove(7), "an object is removed once")
	assert.Nil(t, r.bundle(7), "its bundle goes with it")
}

// The registry against a plain map, at random: goroutines record objects
// (some with a bundle, some with a scope), update bundles, mark some
// reported and forget most of them after a random delay, as cleanups do,
// while pages are made and dropped; every so often, and at the end, what
// the registry holds must be what the reference map holds.
func TestRegistryMatchesAPlainMap(t *testing.T) {
	t.Parallel() // its own registry; beside the fixtures, which wait more than they compute
	for seed := range uint64(4) {
		var r Registry
		typ := reflect.TypeFor[testObject]()
		var serials atomic.Uint64
		type want struct {
			bundle   any
			scope    uint32
			reported bool
		}
		const goroutines, ops = 4, 3 * pageSize
		refs := make([]map[uint64]want, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			refs[g] = map[uint64]want{}
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(seed, uint64(g)))
				ref := refs[g]
				var pending []uint64
				for range ops {
					switch op := rng.IntN(10); {
					case op < 6: // record
						s := serials.Add(1)
						w := want{scope: uint32(rng.IntN(3))}
						if rng.IntN(4) == 0 {
							w.bundle = int(s)
						}
						r.Add(s, typ, 1, w.bundle, 0, w.scope, uintptr(s))
						ref[s] = w
						if rng.IntN(50) != 0 {
							pending = append(pending, s)
						}
					case op < 9 && len(pending) > 0: // forget one, at random
						i := rng.IntN(len(pending))
						s := pending[i]
						pending[i] = pending[len(pending)-1]
						pending = pending[:len(pending)-1]
						if r.Remove(s) == 0 {
							t.Errorf("seed %d: serial %d was recorded, and remove found nothing", seed, s)
						}
						delete(ref, s)
					case len(pending) > 0: // a bundle set again, or a report
						s := pending[rng.IntN(len(pending))]
						w := ref[s]
						if rng.IntN(2) == 0 {
							w.bundle = "again"
							r.Update(s, w.bundle)
						} else {
							w.reported = true
							r.MarkReported([]uint64{s})
						}
						ref[s] = w
					}
				}
			})
		}
		wg.Wait()
		all := map[uint64]want{}
		for _, ref := range refs {
			maps.Copy(all, ref)
		}
		got := map[uint64]want{}
		for _, o := range r.Collect(nil) {
			got[o.Serial] = want{bundle: o.Bundle, scope: o.Scope, reported: o.Reported}
			if o.Addr != uintptr(o.Serial) {
				t.Errorf("seed %d: serial %d has address %#x, want %#x", seed, o.Serial, o.Addr, o.Serial)
			}
		}
		if !maps.Equal(got, all) {
			for s, w := range all {
				if g, ok := got[s]; !ok || g != w {
					t.Errorf("seed %d: serial %d is %+v (present %v), want %+v", seed, s, g, ok, w)
				}
			}
			for s := range got {
				if _, ok := all[s]; !ok {
					t.Errorf("seed %d: serial %d is recorded, and was forgotten", seed, s)
				}
			}
		}
	}
}
