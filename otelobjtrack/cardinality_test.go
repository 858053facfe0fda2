package otelobjtrack_test

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/otelobjtrack"
	"github.com/objtrack/objtrack/trackable"
)

// gen is the objtrack.type of the generated type i.
func gen(i int) string { return fmt.Sprintf("%s.Gen%04d", testPkg, i) }

// population tracks objects of generated types: keep[i] kept and
// drop[i] dropped of type i, added to what it holds already.
type population struct{ kept [][]any }

func (p *population) add(keep, drop map[int]int) {
	for i, n := range keep {
		for len(p.kept) <= i {
			p.kept = append(p.kept, nil)
		}
		for range n {
			p.kept[i] = append(p.kept[i], trackGenerated(i))
		}
	}
	for i, n := range drop {
		for range n {
			_ = trackGenerated(i)
		}
	}
}

// release drops n of the kept objects of type i.
func (p *population) release(i, n int) {
	clear(p.kept[i][:n]) // the array would keep them
	p.kept[i] = p.kept[i][n:]
}

// capped is the simple reading of the cap, to compare the collector with:
// sort every type by live count, most first, ties by name, report the
// first n by name and sum the rest under "other". It holds for the first
// collection, before any type has moved between the top and "other".
func capped(s trackable.Snapshot, n int) values {
	all := fromSnapshot(s)
	if len(s.Types) <= n {
		return all
	}
	types := slices.Clone(s.Types)
	slices.SortStableFunc(types, func(a, b trackable.TypeCount) int { return cmp.Compare(b.Live, a.Live) })
	v := values{"objtrack.objects.live": {}, "objtrack.objects.retired": {}}
	for i, tc := range types {
		name := fullName(tc.Type)
		if i >= n {
			name = "other"
		}
		v["objtrack.objects.live"][name] += tc.Live
		v["objtrack.objects.retired"][name] += tc.Retired
		if all["objtrack.objects.growing"][fullName(tc.Type)] == 1 {
			if v["objtrack.objects.growing"] == nil {
				v["objtrack.objects.growing"] = map[string]int64{}
			}
			v["objtrack.objects.growing"][name] = 1
		}
	}
	return v
}

func TestCapKeepsTheLargestTypesAndSumsTheRest(t *testing.T) {
	inv := useInventory(t)
	reader, _ := startReader(t, inv, otelobjtrack.WithMaxTypes(3))
	var p population

	// Live 1, 5, 3, 5, 0 and 2: the top three are Gen0001 and Gen0003
	// (5 each, by name) and Gen0002 (3).
	p.add(map[int]int{0: 1, 1: 5, 2: 3, 3: 5, 4: 0, 5: 2}, map[int]int{0: 4, 1: 1, 4: 2, 5: 1})
	settle(t)
	got := collect(t, reader)
	assert.Equal(t, values{
		"objtrack.objects.live":    {gen(1): 5, gen(3): 5, gen(2): 3, "other": 1 + 0 + 2},
		"objtrack.objects.retired": {gen(1): 1, gen(3): 0, gen(2): 0, "other": 4 + 2 + 1},
	}, got)
	assert.Equal(t, capped(inv.Snapshot(), 3), got, "the simple reading of the cap")

	// Gen0000 grows into the top and pushes Gen0002 out. Summed afresh,
	// "other" would retire 5 (Gen0002 1, Gen0004 2, Gen0005 2), less than
	// the 7 it showed: it goes on from 7 with the 2 retired since.
	p.add(map[int]int{0: 10}, nil)
	p.release(2, 1)
	p.release(5, 1)
	settle(t)
	assert.Equal(t, values{
		"objtrack.objects.live":    {gen(0): 11, gen(1): 5, gen(3): 5, "other": 2 + 0 + 1},
		"objtrack.objects.retired": {gen(0): 4, gen(1): 1, gen(3): 0, "other": 7 + 2},
	}, collect(t, reader))

	// Gen0002 comes back, and Gen0003 (a tie with Gen0001, later by
	// name) goes: its own series reports its exact count, and "other"
	// keeps what it counted.
	p.add(map[int]int{2: 20}, nil)
	settle(t)
	assert.Equal(t, values{
		"objtrack.objects.live":    {gen(2): 22, gen(0): 11, gen(1): 5, "other": 5 + 0 + 1},
		"objtrack.objects.retired": {gen(2): 1, gen(0): 4, gen(1): 1, "other": 9},
	}, collect(t, reader))

	// Nothing changes, nothing moves.
	assert.Equal(t, values{
		"objtrack.objects.live":    {gen(2): 22, gen(0): 11, gen(1): 5, "other": 5 + 0 + 1},
		"objtrack.objects.retired": {gen(2): 1, gen(0): 4, gen(1): 1, "other": 9},
	}, collect(t, reader))
	runtime.KeepAlive(&p)
}

// "other" appears when the types first outnumber the cap, with the whole
// history of the types it holds, as a new series should.
func TestOtherStartsWithTheHistoryOfItsTypes(t *testing.T) {
	inv := useInventory(t)
	reader, _ := startReader(t, inv, otelobjtrack.WithMaxTypes(2))
	var p population
	p.add(map[int]int{0: 3, 1: 2}, map[int]int{0: 1, 1: 5})
	settle(t)
	assert.Equal(t, values{
		"objtrack.objects.live":    {gen(0): 3, gen(1): 2},
		"objtrack.objects.retired": {gen(0): 1, gen(1): 5},
	}, collect(t, reader))

	p.add(map[int]int{2: 4}, nil)
	settle(t)
	assert.Equal(t, values{
		"objtrack.objects.live":    {gen(2): 4, gen(0): 3, "other": 2},
		"objtrack.objects.retired": {gen(2): 0, gen(0): 1, "other": 5},
	}, collect(t, reader))
	runtime.KeepAlive(&p)
}

// A growing type beyond the cap makes "other" growing.
func TestCapReportsGrowthInOther(t *testing.T) {
	inv := useInventory(t)
	stopSampling, err := inv.StartSampling(time.Hour, 4)
	require.NoError(t, err)
	defer stopSampling()
	reader, _ := startReader(t, inv, otelobjtrack.WithMaxTypes(1))
	var p population
	p.add(map[int]int{0: 100}, nil)
	for range 4 {
		p.add(map[int]int{1: 1, 2: 1}, nil) // both grow, Gen0000 does not
		settle(t)
		inv.Sample()
	}
	got := collect(t, reader)
	assert.Equal(t, map[string]int64{"other": 1}, got["objtrack.objects.growing"])
	assert.Equal(t, capped(inv.Snapshot(), 1), got)
	runtime.KeepAlive(&p)
}

// Without WithMaxTypes, DefaultMaxTypes types are reported by name.
func TestDefaultCap(t *testing.T) {
	inv := useInventory(t)
	reader, _ := startReader(t, inv)
	var p population
	keep := map[int]int{}
	for i := range generatedTypes {
		keep[i] = 1 + i%7
	}
	p.add(keep, nil)
	settle(t)
	got := collect(t, reader)
	require.Len(t, got["objtrack.objects.live"], otelobjtrack.DefaultMaxTypes+1)
	assert.Equal(t, capped(inv.Snapshot(), otelobjtrack.DefaultMaxTypes), got)
	var total int64
	for _, n := range got["objtrack.objects.live"] {
		total += n
	}
	assert.Equal(t, inv.Snapshot().TotalLive(), total)
	runtime.KeepAlive(&p)
}
