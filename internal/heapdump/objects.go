package heapdump

import "fmt"

// The storage of a Graph's objects: blocks that are filled once and never
// copied, so that reading a dump makes no garbage in proportion to the
// heap it describes. The first blocks are small, for small dumps.

// objectEntry is what a Graph keeps of each object: 16 bytes, plus its
// pointer words in a wordStore.
type objectEntry struct {
	addr  uint64
	words wordHandle // where its pointer words are
	shape uint32     // its index in the shapeTable
}

// entryBlockBits sets the size of the blocks of an objectTable: 1<<16
// entries, 1 MiB.
const entryBlockBits = 16

// objectTable holds objects in the order they were read, by index.
type objectTable struct {
	blocks [][]objectEntry
	n      int
}

func (t *objectTable) add(e objectEntry) int {
	switch {
	case t.n == 0:
		// The first block grows by append, up to its full length: the
		// garbage it leaves is less than a block.
		t.blocks = append(t.blocks, make([]objectEntry, 0, 1<<8))
	case t.n&(1<<entryBlockBits-1) == 0:
		t.blocks = append(t.blocks, make([]objectEntry, 0, 1<<entryBlockBits))
	}
	b := &t.blocks[len(t.blocks)-1]
	*b = append(*b, e)
	t.n++
	return t.n - 1
}

func (t *objectTable) at(i int) *objectEntry {
	return &t.blocks[i>>entryBlockBits][i&(1<<entryBlockBits-1)]
}

// span returns the entries from i to i+n, which must lie in one block.
func (t *objectTable) span(i, n int) []objectEntry {
	b := t.blocks[i>>entryBlockBits]
	j := i & (1<<entryBlockBits - 1)
	return b[j : j+n]
}

// startsBlock reports whether the object of index i is the first of its
// block: runs of objects stop there, so that each run is one slice.
func startsBlock(i int) bool { return i&(1<<entryBlockBits-1) == 0 }

// wordHandle locates an object's pointer words in a wordStore: the block
// in its high wordBlockIndexBits bits, the first word in the others.
type wordHandle uint32

const (
	wordOffsetBits     = 20 // blocks of 1<<20 words, 8 MiB
	wordBlockIndexBits = 32 - wordOffsetBits
	// bigWords is the number of words above which an object gets a block
	// of its own, so that blocks waste at most a quarter of their room.
	bigWords = 1 << (wordOffsetBits - 2)
)

// wordStore holds the pointer words of every object, as read from the
// dump (nil and non-heap pointers included, to keep them in step with
// the shape's list of offsets).
type wordStore struct {
	blocks [][]uint64
	cur    int // the block being filled with small objects' words; -1 before the first
}

// alloc returns room for n words and its handle.
func (s *wordStore) alloc(n int) (wordHandle, []uint64, error) {
	if n == 0 {
		return 0, nil, nil
	}
	if len(s.blocks) == 0 {
		s.cur = -1
	}
	if n > bigWords {
		if err := s.checkRoom(); err != nil {
			return 0, nil, err
		}
		s.blocks = append(s.blocks, make([]uint64, n))
		return wordHandle((len(s.blocks) - 1) << wordOffsetBits), s.blocks[len(s.blocks)-1], nil
	}
	if s.cur < 0 || len(s.blocks[s.cur])+n > cap(s.blocks[s.cur]) {
		if err := s.checkRoom(); err != nil {
			return 0, nil, err
		}
		// Each block twice the last, from 4096 words to the most an
		// offset can reach.
		size := 1 << 12
		if s.cur >= 0 {
			size = min(2*cap(s.blocks[s.cur]), 1<<wordOffsetBits)
		}
		s.blocks = append(s.blocks, make([]uint64, 0, max(size, n)))
		s.cur = len(s.blocks) - 1
	}
	b := &s.blocks[s.cur]
	at := len(*b)
	*b = (*b)[:at+n]
	return wordHandle(s.cur<<wordOffsetBits | at), (*b)[at : at+n], nil
}

func (s *wordStore) checkRoom() error {
	if len(s.blocks) == 1<<wordBlockIndexBits {
		return fmt.Errorf("more than %d pointers in the heap, too many for this parser", uint64(1<<wordBlockIndexBits)*(1<<wordOffsetBits))
	}
	return nil
}

// get returns the n words of handle h.
func (s *wordStore) get(h wordHandle, n uint32) []uint64 {
	if n == 0 {
		return nil
	}
	at := uint32(h) & (1<<wordOffsetBits - 1)
	return s.blocks[h>>wordOffsetBits][at : at+n]
}
