package heapdump

import (
	"encoding/binary"
	"fmt"
)

// A shape is what a Graph keeps of an object besides its address and its
// pointer words: its size and where its pointer words are. Objects of one
// type share a shape, so that a heap of millions of objects has a few
// hundred shapes, and a Graph spends 4 bytes per object on them.
type shape struct {
	size  uint64
	words uint32    // number of pointer words
	runs  []slotRun // where the pointer words are, in the order the dump lists them
}

// slotRun is a run of consecutive pointer words: a pointer array of a
// million elements is one run.
type slotRun struct {
	first uint32 // index of the first word (its offset divided by the pointer size)
	count uint32
}

// shapeTable interns shapes.
type shapeTable struct {
	shapes []shape
	ids    map[string]uint32
	key    []byte
	runs   []slotRun
}

// intern returns the index of the shape of an object of size bytes whose
// pointer words are at the given offsets.
func (t *shapeTable) intern(size uint64, offsets []uint64, ptrSize int) (uint32, error) {
	t.runs = t.runs[:0]
	for _, off := range offsets {
		w := off / uint64(ptrSize)
		if w > 1<<32-1 {
			return 0, fmt.Errorf("an object of %d bytes, too large for this parser", size)
		}
		if n := len(t.runs); n > 0 && uint64(t.runs[n-1].first)+uint64(t.runs[n-1].count) == w {
			t.runs[n-1].count++
			continue
		}
		t.runs = append(t.runs, slotRun{first: uint32(w), count: 1})
	}
	t.key = binary.AppendUvarint(t.key[:0], size)
	for _, r := range t.runs {
		t.key = binary.AppendUvarint(t.key, uint64(r.first))
		t.key = binary.AppendUvarint(t.key, uint64(r.count))
	}
	if id, ok := t.ids[string(t.key)]; ok {
		return id, nil
	}
	if t.ids == nil {
		t.ids = make(map[string]uint32)
	}
	if uint64(len(t.shapes)) == 1<<32-1 {
		return 0, fmt.Errorf("more than %d different object layouts", uint64(1<<32-1))
	}
	id := uint32(len(t.shapes))
	t.shapes = append(t.shapes, shape{size: size, words: uint32(len(offsets)), runs: append([]slotRun(nil), t.runs...)})
	t.ids[string(t.key)] = id
	return id, nil
}
