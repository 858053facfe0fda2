package owner

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/objtrack/objtrack/internal/ancestry"
)

// The label cache against a plain lookup, at random: many label sets,
// more than the cache has entries, so that they collide; goroutines ask
// for the scope number of sets chosen at random, and each answer must be
// what the set's label says (0 for none, or for a value that is no
// number).
func TestLabelCacheMatchesAPlainLookup(t *testing.T) {
	marked, previous := ancestry.Mark("0")
	ancestry.Restore(previous)
	if marked == nil {
		t.Skip("labels are not read in this build (objtrack_nolinkname)")
	}
	var tab Table
	const sets = 4 * len(tab.labels)
	labels := make([]ancestry.Labels, sets)
	want := make([]uint32, sets)
	var made sync.WaitGroup
	for i := range sets {
		made.Go(func() {
			value := strconv.Itoa(i + 1)
			switch i % 7 {
			case 0:
				value = "not a number"
			case 1:
				value = strconv.FormatUint(1<<40, 10) // no scope number
			default:
				want[i] = uint32(i + 1)
			}
			labels[i], _ = ancestry.Mark(value)
		})
	}
	made.Wait()
	for seed := range uint64(4) {
		var asked sync.WaitGroup
		for g := range 4 {
			asked.Go(func() {
				rng := rand.New(rand.NewPCG(seed, uint64(g)))
				for range 20000 {
					i := rng.IntN(sets)
					if got := tab.numberOf(labels[i]); got != want[i] {
						t.Errorf("seed %d: numberOf(label set %d) = %d, want %d", seed, i, got, want[i])
						return
					}
				}
			})
		}
		asked.Wait()
	}
}

// The table against a plain map, at random: goroutines begin and end
// owners in a random order, across chunk boundaries, and every owner
// that one of them holds active must be found by its number, by the
// labels of the goroutine that began it, and, once ended, no longer.
func TestTableMatchesAPlainMap(t *testing.T) {
	var tab Table
	tab.next.Store(1<<chunkBits - 50) // the first chunk's end: numbers cross into the next
	var mu sync.Mutex
	active := map[uint32]*Owner{} // the reference
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			var mine []*Owner
			for step := range 2000 {
				if t.Failed() {
					break // one report, not thousands
				}
				if len(mine) == 0 || rng.IntN(3) > 0 {
					o := &Owner{Name: "T"}
					tab.Begin(o)
					if o.Num == 0 {
						t.Errorf("goroutine %d, step %d: Begin gave no number", g, step)
						return
					}
					mu.Lock()
					if prev := active[o.Num]; prev != nil {
						t.Errorf("number %d handed out twice", o.Num)
					}
					active[o.Num] = o
					mu.Unlock()
					mine = append(mine, o)
					if cur, labelled := tab.Current(); o.labels != nil && (!labelled || cur != o) {
						t.Errorf("goroutine %d: Current() = %v, %v right after Begin, want the owner just begun", g, cur, labelled)
					}
				} else {
					i := rng.IntN(len(mine))
					o := mine[i]
					mine = append(mine[:i], mine[i+1:]...)
					mu.Lock()
					delete(active, o.Num)
					mu.Unlock()
					tab.End(o)
					if got := tab.Numbered(o.Num); got != nil {
						t.Errorf("Numbered(%d) = %p after End, want nil", o.Num, got)
					}
				}
				mu.Lock()
				for n, want := range active {
					if got := tab.Numbered(n); got != want {
						t.Errorf("Numbered(%d) = %p, want %p", n, got, want)
					}
				}
				mu.Unlock()
			}
			for _, o := range slices.Backward(mine) {
				mu.Lock()
				delete(active, o.Num)
				mu.Unlock()
				tab.End(o)
			}
		})
	}
	wg.Wait()
	if got := tab.Numbered(1<<30 + 5); got != nil {
		t.Errorf("Numbered of a number never handed out = %p, want nil", got)
	}
}
