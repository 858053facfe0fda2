package leakcheck

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/objtrack/objtrack/internal/heapdump"
)

// A report's path lists the objects between the root and the survivor,
// the tracked ones by name, and shortens a long one in the middle.
func TestHolderOfNamesTrackedStepsAndShortensLongPaths(t *testing.T) {
	steps := func(n int) []heapdump.Step {
		out := make([]heapdump.Step, n)
		for i := range out {
			out[i] = heapdump.Step{Addr: uint64(0x1000 * (i + 1)), Size: uint64(16 * (i + 1))}
		}
		return out
	}
	root := heapdump.Root{Kind: heapdump.RootGlobal, Global: &heapdump.GlobalRoot{Name: "example.com/db.registry"}}
	names := map[uint64]string{0x2000: "*db.Pool  serial 7"}

	short := holderOf(heapdump.Path{Root: root, Steps: steps(4)}, names, nil)
	assert.Equal(t, "global  db.registry", short.Root)
	assert.Equal(t, []string{"16 B object", "*db.Pool  serial 7 (32 B)", "48 B object"}, short.Via, "the last step, the survivor, is the report's own line")

	long := holderOf(heapdump.Path{Root: root, Steps: steps(maxVia + 6)}, names, nil)
	want := []string{"16 B object", "*db.Pool  serial 7 (32 B)", "48 B object", "64 B object",
		fmt.Sprintf("... %d more ...", 5)}
	for i := maxVia + 5 - maxVia/2; i < maxVia+5; i++ {
		want = append(want, fmt.Sprintf("%d B object", 16*(i+1)))
	}
	assert.Equal(t, want, long.Via)

	direct := holderOf(heapdump.Path{Root: root, Steps: steps(1)}, names, nil)
	assert.Empty(t, direct.Via, "a root that holds the survivor itself has no steps between")
}

// A path whose expression reaches the survivor lists no steps, unless
// its type is not the survivor's: a step was then taken for what it is
// not, and the steps are listed by size.
func TestHolderOfTrustsAnExpressionOfTheSurvivorsTypeOnly(t *testing.T) {
	root := heapdump.Root{Kind: heapdump.RootGlobal, Global: &heapdump.GlobalRoot{Name: "example.com/db.registry", Selector: ".conns", Typed: true}}
	steps := []heapdump.Step{{Addr: 0x1000, Size: 16, Pointer: 0x1000}, {Addr: 0x2000, Size: 32, Pointer: 0x2000}}
	names := map[uint64]string{0x2000: "*db.Conn  serial 3"}
	typed := heapdump.Path{Target: 0x2000, Root: root, Steps: steps, Typed: 1, Expr: "[1]", TypedAs: "*db.Conn"}
	got := holderOf(typed, names, nil)
	assert.Equal(t, "global  db.registry.conns[1]", got.Root)
	assert.Empty(t, got.Via)

	wrong := typed
	wrong.TypedAs = "*db.Pool"
	got = holderOf(wrong, names, nil)
	assert.Equal(t, "global  db.registry.conns", got.Root, "the root's own field stays named")
	assert.Equal(t, []string{"16 B object"}, got.Via)
}

// The elements of one slice, or the values of one map, are one holder,
// whose indexes or keys the path lists.
func TestAddPathMergesTheElementsOfOneSlice(t *testing.T) {
	var paths []Path
	paths = addPath(paths, Path{Root: "global  db.pool[3]"}, 1)
	paths = addPath(paths, Path{Root: "global  db.pool[0]"}, 2)
	paths = addPath(paths, Path{Root: "global  db.pool[3]"}, 3)
	paths = addPath(paths, Path{Root: "global  db.other[1]"}, 4)
	paths = addPath(paths, Path{Root: "global  db.pool[4].peer"}, 5)
	paths = addPath(paths, Path{Root: "global  db.pool[5]", Via: []string{"16 B object"}}, 6)
	paths = addPath(paths, Path{Root: `global  db.byAddr["b:1"]`}, 7)
	paths = addPath(paths, Path{Root: `global  db.byAddr["a, ]x"]`}, 8)
	paths = addPath(paths, Path{Root: `global  db.byAddr["c"...]`}, 9)
	paths = addPath(paths, Path{Root: "global  db.byID[10]"}, 10)
	paths = addPath(paths, Path{Root: "global  db.byID[-2]"}, 11)
	paths = addPath(paths, Path{Root: "global  db.m[...]"}, 12)
	paths = addPath(paths, Path{Root: "global  db.m[...]"}, 13)
	for i := range 12 {
		paths = addPath(paths, Path{Root: fmt.Sprintf("global  db.big[%d].c", 11-i)}, uint64(100+i))
	}
	paths = addPath(paths, Path{Root: "goroutine 7 [chan receive] db.serve (db/db.go:12)"}, 14)
	paths = addPath(paths, Path{Root: "goroutine 8 [chan receive] db.serve (db/db.go:12)"}, 15)
	var got []string
	for _, p := range paths {
		got = append(got, fmt.Sprint(p.Root, " ", p.Serials))
	}
	assert.Equal(t, []string{
		"global  db.pool[0, 3] [1 2 3]", // in the order of the indexes
		"global  db.other[1] [4]",
		"global  db.pool[4].peer [5]",
		"global  db.pool[5] [6]",
		`global  db.byAddr["a, ]x", "b:1", "c"...] [7 8 9]`,
		"global  db.byID[-2, 10] [10 11]",
		"global  db.m[...] [12 13]",
		"global  db.big[0, 1, 2, 3, 4, 5, 6, 7, ... and 4 more].c [100 101 102 103 104 105 106 107 108 109 110 111]",
		"goroutine 7 [chan receive] db.serve (db/db.go:12) [14]",
		"goroutine 8 [chan receive] db.serve (db/db.go:12) [15]",
	}, got)
}

// A variable that points to one element of a []T reaches that element
// only: the other survivors of the allocation are held through it.
func TestHolderOfSaysWhenTheSurvivorSharesAnAllocation(t *testing.T) {
	root := heapdump.Root{Kind: heapdump.RootGlobal, Global: &heapdump.GlobalRoot{Name: "example.com/db.elem", Typed: true}}
	names := map[uint64]string{0x2000: "*db.Conn  serial 3"}
	arr := []heapdump.Step{{Addr: 0x2000, Size: 64, Pointer: 0x2020}}
	other := holderOf(heapdump.Path{Target: 0x2000, Root: root, Steps: arr}, names, nil)
	assert.Equal(t, "global  db.elem", other.Root)
	assert.Equal(t, []string{"64 B object (the allocation the survivor shares with what the variable points to)"}, other.Via)
	pointee := holderOf(heapdump.Path{Target: 0x2020, Root: root, Steps: arr}, names, nil)
	assert.Empty(t, pointee.Via, "the element the variable points to")
}
