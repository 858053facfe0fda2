package heapdump

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The compact stores of a Graph against the plain slices they replace.

func TestShapesKeepOffsets(t *testing.T) {
	var table shapeTable
	lists := [][]uint64{nil, {0}, {0, 8, 16, 24}, {8, 24, 32, 40, 64}, {16, 0}, {0, 8, 16, 24}}
	var ids []uint32
	for _, offsets := range lists {
		id, err := table.intern(96, offsets, 8)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		sh := table.shapes[id]
		var back []uint64
		for _, r := range sh.runs {
			for w := range r.count {
				back = append(back, uint64(r.first+w)*8)
			}
		}
		if !slices.Equal(back, offsets) || sh.words != uint32(len(offsets)) || sh.size != 96 {
			t.Errorf("offsets %v come back as %v (%d words, %d bytes)", offsets, back, sh.words, sh.size)
		}
	}
	if ids[2] != ids[5] || ids[2] == ids[3] {
		t.Errorf("shape ids %v: want the same offsets to share one, and only they", ids)
	}
	if id, _ := table.intern(128, []uint64{0, 8, 16, 24}, 8); id == ids[2] {
		t.Error("objects of different sizes share a shape")
	}
	big := make([]uint64, 1<<16)
	for i := range big {
		big[i] = uint64(i) * 8
	}
	id, _ := table.intern(uint64(len(big))*8, big, 8)
	if n := len(table.shapes[id].runs); n != 1 {
		t.Errorf("a pointer array takes %d runs, want 1", n)
	}
}

func TestWordStoreKeepsWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var store wordStore
	type kept struct {
		h     wordHandle
		words []uint64
	}
	var all []kept
	for i := range 3000 {
		n := rng.IntN(40)
		if i%500 == 0 {
			n = bigWords + rng.IntN(1000) // a block of its own
		}
		h, dst, err := store.alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		words := make([]uint64, n)
		for k := range words {
			words[k] = rng.Uint64()
		}
		copy(dst, words)
		all = append(all, kept{h, words})
	}
	for _, k := range all {
		if got := store.get(k.h, uint32(len(k.words))); !slices.Equal(got, k.words) {
			t.Fatalf("handle %#x: the words changed", k.h)
		}
	}
}

func TestObjectTableKeepsEntries(t *testing.T) {
	var table objectTable
	n := 3<<entryBlockBits + 17
	for i := range n {
		if got := table.add(objectEntry{addr: uint64(i) * 16, shape: uint32(i)}); got != i {
			t.Fatalf("add returned %d, want %d", got, i)
		}
	}
	for i := range n {
		if e := table.at(i); e.addr != uint64(i)*16 || e.shape != uint32(i) {
			t.Fatalf("entry %d is %+v", i, *e)
		}
	}
	if s := table.span(1<<entryBlockBits, 3); s[2].shape != 1<<entryBlockBits+2 {
		t.Errorf("span of the second block starts at entry %d", s[0].shape)
	}
}

func TestQueueIsFirstInFirstOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var q queue
	var plain []uint32
	next := uint32(0)
	for range 400000 {
		if rng.IntN(3) != 0 {
			q.push(next)
			plain = append(plain, next)
			next++
			continue
		}
		v, ok := q.pop()
		if ok != (len(plain) > 0) || ok && v != plain[0] {
			t.Fatalf("pop = %d, %v; want %v", v, ok, plain[:min(len(plain), 1)])
		}
		if ok {
			plain = plain[1:]
		}
	}
	for len(plain) > 0 {
		if v, ok := q.pop(); !ok || v != plain[0] {
			t.Fatalf("pop = %d, %v; want %d", v, ok, plain[0])
		}
		plain = plain[1:]
	}
	if _, ok := q.pop(); ok {
		t.Error("pop from an empty queue succeeded")
	}
}
