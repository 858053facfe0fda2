package heapdump

import (
	"encoding/binary"
	"io"
	"os"
	"runtime"
)

// Dump is a whole heap dump in memory: every record of the file, grouped
// by kind. Addresses are those of the process that wrote it.
//
// A Dump holds the contents of every object, about as much memory as the
// heap it describes. To find what keeps objects alive, read a [Graph]
// with [ReadGraph] instead: it keeps only the pointers.
type Dump struct {
	Params Params
	// Types are the types of the interfaces' dynamic values (the itabs);
	// objects carry no type in a dump.
	Types []Type
	Itabs []Itab
	// Objects are the allocated objects of the heap, span by span, each
	// span in address order: sort them to look an address up.
	// [Dump.Objects] is nil in the Dump of a Graph.
	Objects []Object
	// Goroutines are the goroutines that were not running when the dump
	// was written, each with its stack frames, deferred calls and panics.
	Goroutines []Goroutine
	Threads    []Thread
	// Data and BSS are the data and bss segments of the executable (its
	// first module): its package-level variables.
	Data, BSS Segment
	// Finalizers are the finalizers set with runtime.SetFinalizer whose
	// objects are still reachable; QueuedFinalizers are those waiting to
	// run. Cleanups (runtime.AddCleanup) are not in dumps.
	Finalizers       []Finalizer
	QueuedFinalizers []Finalizer
	// OtherRoots are roots the runtime describes only in words. Go 1.26
	// writes none.
	OtherRoots []OtherRoot
	// MemStats are the statistics when the dump was written. The dump has
	// every field of runtime.MemStats up to NumGC, except GCCPUFraction,
	// EnableGC, DebugGC and BySize, which are left zero. Nil when the dump
	// has no statistics record.
	MemStats *runtime.MemStats
	// MemProfile are the buckets of the memory profile, and AllocSamples
	// the objects it sampled.
	MemProfile   []MemProfileBucket
	AllocSamples []AllocSample
}

// Params describes the process that wrote the dump.
type Params struct {
	BigEndian  bool
	PtrSize    int
	ArenaStart uint64 // the lowest heap address
	ArenaEnd   uint64 // the end of the highest heap arena
	GOARCH     string
	GoVersion  string
	NumCPU     int
}

// Type is a type the runtime named in the dump.
type Type struct {
	Addr uint64
	Size uint64
	Name string // "example.com/db.Conn", or the type's literal: "*db.Conn"
	// Indirect is true when an interface holding a value of the type
	// holds a pointer to a copy of it.
	Indirect bool
}

// Itab is an interface table: interface values of a non-empty interface
// type hold its address.
type Itab struct {
	Addr uint64
	Type uint64 // address of the dynamic type, one of the Types
}

// Object is a heap object.
type Object struct {
	Addr     uint64
	Contents []byte // its len is the object's size, as the allocator rounded it
	// Pointers are the offsets of the words that hold pointers, in
	// increasing order. Objects with the same offsets share one slice:
	// do not modify it.
	Pointers []uint64
}

// Goroutine is a goroutine, as runtime.dumpgoroutine writes it.
type Goroutine struct {
	Addr       uint64 // address of its runtime.g
	SP         uint64 // saved stack pointer
	ID         uint64
	CreatorPC  uint64 // pc of the go statement that started it
	Status     uint64 // runtime state; see StatusName
	System     bool   // a goroutine of the runtime
	Background bool   // always false since Go 1.5
	WaitSince  uint64 // when it started to wait, in nanoseconds
	WaitReason string // "chan receive"; empty when it is not waiting
	Context    uint64 // closure context of its saved state
	M          uint64 // address of the thread it runs on, if any
	Defer      uint64 // address of its innermost deferred call record
	Panic      uint64 // address of its innermost panic record
	Frames     []Frame
	Defers     []Defer
	Panics     []Panic
}

// StatusName names the goroutine's state: "waiting", "runnable"...
func (g *Goroutine) StatusName() string { return statusName(g.Status) }

// Frame is a stack frame, innermost first.
type Frame struct {
	SP       uint64 // lowest address of the frame
	Depth    uint64 // 0 for the innermost frame
	ChildSP  uint64 // SP of the frame it called; 0 for the innermost frame
	Contents []byte // the frame's memory, from SP up
	Entry    uint64 // entry pc of its function
	PC       uint64 // where it stands: the return address, except in the innermost frame
	// ContinuationPC is where execution continues in the frame; 0 when it
	// will not continue (the frame is being unwound by a panic).
	ContinuationPC uint64
	Func           string // the function's name, as the runtime knows it
	// Pointers are the offsets in Contents of words that hold pointers.
	Pointers []uint64
}

// Defer is a deferred call record.
type Defer struct {
	Addr      uint64
	Goroutine uint64 // address of its goroutine's runtime.g
	SP, PC    uint64
	FuncVal   uint64 // the closure to call; 0 for open-coded defers
	FuncPC    uint64 // its code
	Link      uint64 // next record
}

// Panic is a panic record.
type Panic struct {
	Addr      uint64
	Goroutine uint64
	ArgType   uint64 // type of the value passed to panic
	ArgData   uint64 // its data word
	Defer     uint64 // always 0 since Go 1.5
	Link      uint64
}

// Thread is an operating-system thread of the runtime (an M).
type Thread struct {
	Addr   uint64
	ID     uint64 // the runtime's number for it
	ProcID uint64 // the operating system's
}

// Segment is a data or bss segment.
type Segment struct {
	Addr     uint64
	Contents []byte
	Pointers []uint64 // offsets of pointer words in Contents
}

// Finalizer is a finalizer set on an object.
type Finalizer struct {
	Object     uint64
	FuncVal    uint64 // the finalizer closure
	FuncPC     uint64 // its code
	ArgType    uint64 // the type of its parameter
	ObjectType uint64 // the pointer type of the object
}

// OtherRoot is a root the dump describes only in words.
type OtherRoot struct {
	Description string
	Pointer     uint64
}

// MemProfileBucket is a bucket of the memory profile: a call stack and
// what was allocated there.
type MemProfileBucket struct {
	Addr   uint64
	Size   uint64
	Stack  []MemProfileFrame
	Allocs uint64
	Frees  uint64
}

// MemProfileFrame is a frame of a memory profile stack.
type MemProfileFrame struct {
	Func string // "(0x45f2a0)" for a pc the runtime could not name
	File string // "?" then
	Line uint64
}

// AllocSample is an object that the memory profiler sampled.
type AllocSample struct {
	Addr   uint64
	Bucket uint64 // address of its MemProfileBucket
}

// Parse reads a whole heap dump. It returns a *FormatError for input
// that is not a well-formed dump. Whatever its length fields say, the
// memory it allocates is in proportion to the bytes the input holds.
func Parse(r io.Reader) (*Dump, error) {
	var objects dumpObjects
	d, err := decode(r, &objects)
	if err != nil {
		return nil, err
	}
	d.Objects = objects.objects
	return d, nil
}

// ParseFile reads the heap dump in a file; see [Parse].
func ParseFile(path string) (*Dump, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f)
}

// contentsChunk is the size of the blocks that hold the contents of small
// objects in a Dump: one allocation per block rather than per object.
const contentsChunk = 1 << 20

// dumpObjects keeps every object for Parse: contents are read once,
// straight into blocks of contentsChunk bytes, and identical lists of
// pointer offsets are kept once.
type dumpObjects struct {
	objects   []Object
	block     []byte
	blockSize int
	lists     map[string][]uint64
	key       []byte
}

func (s *dumpObjects) params(Params) {}

func (s *dumpObjects) contentsBuffer(n int) []byte {
	if n > contentsChunk/8 {
		return make([]byte, n)
	}
	if len(s.block) < n {
		// Blocks grow from 16 KiB to contentsChunk, for small dumps.
		s.blockSize = min(max(2*s.blockSize, 16<<10), contentsChunk)
		s.block = make([]byte, max(s.blockSize, n))
	}
	b := s.block[:n:n]
	s.block = s.block[n:]
	return b
}

func (s *dumpObjects) object(addr uint64, contents []byte, pointers []uint64) error {
	s.objects = append(s.objects, Object{Addr: addr, Contents: contents, Pointers: s.intern(pointers)})
	return nil
}

// intern returns the kept copy of a list of offsets.
func (s *dumpObjects) intern(pointers []uint64) []uint64 {
	if len(pointers) == 0 {
		return nil
	}
	if s.lists == nil {
		s.lists = make(map[string][]uint64)
	}
	s.key = s.key[:0]
	for _, p := range pointers {
		s.key = binary.AppendUvarint(s.key, p)
	}
	if list, ok := s.lists[string(s.key)]; ok {
		return list
	}
	list := append([]uint64(nil), pointers...)
	s.lists[string(s.key)] = list
	return list
}
