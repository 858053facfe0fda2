package heapdump

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// Graph is the pointer graph of a heap dump, in a form compact enough to
// search the dump of a large heap: for each object its address, a shared
// description of its size and pointer fields, and the values of those
// fields, about 16 bytes per object plus 8 per pointer field. Object
// contents other than pointers are not kept.
//
// A Graph is safe for concurrent use once read.
type Graph struct {
	roots   *Dump // every record but the objects
	objects objectTable
	index   addressIndex
	shapes  []shape
	words   wordStore

	// source is the dump, from sourceStart, when it can be read again
	// (ReadGraph was given an io.ReaderAt): for the contents of the few
	// objects whose words other than pointers a path needs (timers).
	source      io.ReaderAt
	sourceStart int64

	hereOnce sync.Once
	here     bool // the dump was written by this process; see writtenHere
}

// maxObjects bounds the objects of a Graph, so that an object's index
// and the markers of a search fit in 32 bits.
const maxObjects = 1<<31 - 1

// ReadGraph reads a heap dump into a Graph. Like [Parse], it returns a
// *FormatError for input that is not a well-formed dump.
//
// When r is also an io.ReaderAt and an io.Seeker (an *os.File), the Graph
// reads it again, from where it started, for the contents of the objects
// that name a timer on a path: keep it open while you search the Graph.
// Closed, the paths of timers keep their global root, runtime.allp.
func ReadGraph(r io.Reader) (*Graph, error) {
	b := &graphBuilder{g: &Graph{}}
	if ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if at, err := ra.Seek(0, io.SeekCurrent); err == nil {
			b.g.source, b.g.sourceStart = ra, at
		}
	}
	dump, err := decode(r, b)
	if err != nil {
		return nil, err
	}
	g := b.g
	g.roots = dump
	g.shapes = b.shapes.shapes
	if err := g.index.finish(&g.objects, g.shapes); err != nil {
		return nil, err
	}
	return g, nil
}

// ReadGraphFile reads the heap dump in a file into a Graph; see
// [ReadGraph]. The file stays open, to be read again for timers, until
// the Graph is garbage.
func ReadGraphFile(path string) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	g, err := ReadGraph(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	runtime.AddCleanup(g, func(f *os.File) { f.Close() }, f)
	return g, nil
}

// Dump returns the dump's records other than objects (Objects is nil):
// goroutines and their frames, segments, finalizers, statistics. Do not
// modify it.
func (g *Graph) Dump() *Dump { return g.roots }

// NumObjects is the number of objects in the dump.
func (g *Graph) NumObjects() int { return g.objects.n }

// ObjectAt returns the start and size of the object that contains addr.
func (g *Graph) ObjectAt(addr uint64) (start, size uint64, ok bool) {
	i := g.index.lookup(addr, &g.objects, g.shapes)
	if i < 0 {
		return 0, 0, false
	}
	e := g.objects.at(i)
	return e.addr, g.shapes[e.shape].size, true
}

// graphBuilder is the objectSink of ReadGraph: it keeps each object's
// entry and pointer words, and reads contents into one reused buffer.
type graphBuilder struct {
	g       *Graph
	shapes  shapeTable
	scratch []byte
	ptrSize int
	order   binary.ByteOrder
}

func (b *graphBuilder) params(p Params) {
	b.ptrSize = p.PtrSize
	b.order = byteOrder(p)
}

func (b *graphBuilder) contentsBuffer(n int) []byte {
	if cap(b.scratch) < n {
		b.scratch = make([]byte, n)
	}
	return b.scratch[:n]
}

func (b *graphBuilder) object(addr uint64, contents []byte, pointers []uint64) error {
	g := b.g
	size := uint64(len(contents))
	if addr+size < addr {
		return fmt.Errorf("heapdump: an object at %#x of %d bytes wraps around the address space", addr, size)
	}
	if g.objects.n >= maxObjects {
		return fmt.Errorf("heapdump: more than %d objects, too many for this parser", maxObjects)
	}
	shape, err := b.shapes.intern(size, pointers, b.ptrSize)
	if err != nil {
		return fmt.Errorf("heapdump: %v", err)
	}
	handle, words, err := g.words.alloc(len(pointers))
	if err != nil {
		return fmt.Errorf("heapdump: %v", err)
	}
	for k, off := range pointers {
		words[k] = readWord(contents[off:], b.ptrSize, b.order)
	}
	i := g.objects.add(objectEntry{addr: addr, words: handle, shape: shape})
	g.index.note(i, addr, size)
	return nil
}

// byteOrder is the byte order of the words of a dump.
func byteOrder(p Params) binary.ByteOrder {
	if p.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// readWord reads a pointer-sized word.
func readWord(b []byte, ptrSize int, order binary.ByteOrder) uint64 {
	if ptrSize == 4 {
		return uint64(order.Uint32(b))
	}
	return order.Uint64(b)
}
