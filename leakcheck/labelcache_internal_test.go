package leakcheck

import (
	"math/rand/v2"
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
	const sets = 4 * len(labelCache)
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
					if got := numberOf(labels[i]); got != want[i] {
						t.Errorf("seed %d: numberOf(label set %d) = %d, want %d", seed, i, got, want[i])
						return
					}
				}
			})
		}
		asked.Wait()
	}
}
