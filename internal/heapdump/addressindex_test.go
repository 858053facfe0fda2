package heapdump

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// testObject is an object of a made-up dump.
type testObject struct{ addr, size uint64 }

// graphOf builds a Graph's objects and index from objects in dump order.
func graphOf(t *testing.T, objects []testObject) (*Graph, error) {
	t.Helper()
	b := &graphBuilder{g: &Graph{roots: &Dump{}}}
	b.params(Params{PtrSize: 8})
	for _, o := range objects {
		if err := b.object(o.addr, make([]byte, o.size), nil); err != nil {
			t.Fatal(err)
		}
	}
	b.g.shapes = b.shapes.shapes
	return b.g, b.g.index.finish(&b.g.objects, b.g.shapes)
}

// heapLike lays out spans of random size classes on random pages, fills
// them with objects and free slots, and lists them span by span in
// random order, as the runtime dumps them.
func heapLike(rng *rand.Rand, spans int) []testObject {
	sizes := []uint64{8, 16, 24, 48, 80, 208, 1024, 4096, 10240, 40960}
	var out [][]testObject
	page := uint64(0xc000000000 / pageSize)
	for range spans {
		page += uint64(rng.IntN(3)) // sometimes a gap of free pages
		size := sizes[rng.IntN(len(sizes))]
		npages := max(uint64(1), size*(1+uint64(rng.IntN(4)))/pageSize)
		if size > 8192 {
			npages = (size + pageSize - 1) / pageSize
		}
		base := page * pageSize
		var span []testObject
		for a := base; a+size <= base+npages*pageSize; a += size {
			if rng.IntN(4) != 0 { // a quarter of the slots are free
				span = append(span, testObject{a, size})
			}
		}
		out = append(out, span)
		page += npages
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	var flat []testObject
	for _, s := range out {
		flat = append(flat, s...)
	}
	return flat
}

// reference finds the object containing addr the plain way: all objects
// sorted, one binary search.
func reference(sorted []testObject, addr uint64) (testObject, bool) {
	i, _ := slices.BinarySearchFunc(sorted, addr, func(o testObject, a uint64) int {
		if o.addr <= a {
			return -1
		}
		return 1
	})
	if i == 0 || addr-sorted[i-1].addr >= sorted[i-1].size {
		return testObject{}, false
	}
	return sorted[i-1], true
}

func checkAgainstReference(t *testing.T, g *Graph, objects []testObject, rng *rand.Rand) {
	t.Helper()
	sorted := slices.Clone(objects)
	slices.SortFunc(sorted, func(a, b testObject) int { return cmp.Compare(a.addr, b.addr) })
	var probes []uint64
	for range min(len(objects), 3000) {
		o := objects[rng.IntN(len(objects))]
		probes = append(probes, o.addr-1, o.addr, o.addr+o.size/2, o.addr+o.size-1, o.addr+o.size)
	}
	lo, hi := sorted[0].addr, sorted[len(sorted)-1].addr+sorted[len(sorted)-1].size
	for range 2000 {
		probes = append(probes, lo-pageSize+rng.Uint64N(hi-lo+2*pageSize))
	}
	for _, a := range probes {
		want, wantOK := reference(sorted, a)
		start, size, ok := g.ObjectAt(a)
		if ok != wantOK || start != want.addr || size != want.size {
			t.Fatalf("ObjectAt(%#x) = %#x, %d, %v; the plain way finds %#x, %d, %v", a, start, size, ok, want.addr, want.size, wantOK)
		}
	}
}

func TestAddressIndexMatchesPlainSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, spans := range []int{1, 2, 10, 300, 1000} {
		objects := heapLike(rng, spans)
		if len(objects) == 0 {
			continue
		}
		g, err := graphOf(t, objects)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.index.runs) > len(objects) {
			t.Errorf("%d runs for %d objects", len(g.index.runs), len(objects))
		}
		checkAgainstReference(t, g, objects, rng)
	}
}

func TestAddressIndexWithoutPages(t *testing.T) {
	// Objects far apart: a directory of pages would cost more than 4
	// bytes per object, and the index searches the runs instead.
	rng := rand.New(rand.NewPCG(5, 6))
	var objects []testObject
	for i := range 100 {
		objects = append(objects, testObject{0xc000000000 + uint64(i)<<32, 64})
	}
	g, err := graphOf(t, objects)
	if err != nil {
		t.Fatal(err)
	}
	if g.index.pages != nil {
		t.Fatalf("a directory of %d pages for 100 objects", len(g.index.pages))
	}
	checkAgainstReference(t, g, objects, rng)
}

func TestAddressIndexFallsBackWhenRunsOverlap(t *testing.T) {
	// Not how the runtime lays objects out: a and b are in one run, but
	// c, read later, lies between them. The index must notice and still
	// find every object.
	objects := []testObject{{0xc000000000, 16}, {0xc000000030, 16}, {0xc000000010, 32}}
	g, err := graphOf(t, objects)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.index.runs) != len(objects) {
		t.Errorf("%d runs, want one per object after the fallback", len(g.index.runs))
	}
	checkAgainstReference(t, g, objects, rand.New(rand.NewPCG(7, 8)))
}

func TestAddressIndexRejectsOverlappingObjects(t *testing.T) {
	_, err := graphOf(t, []testObject{{0xc000000000, 64}, {0xc000002000, 16}, {0xc000000020, 16}})
	if err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Fatalf("err = %v, want one about overlapping objects", err)
	}
}
