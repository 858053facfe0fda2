package heapdump

import (
	"fmt"
	"io"
	"runtime"
)

// objectSink receives the objects of a dump, which decode does not keep:
// Parse keeps them whole, ReadGraph keeps their pointers.
type objectSink interface {
	// params receives the parameters record, which comes before any
	// object.
	params(p Params)
	// contentsBuffer returns the slice of length n into which the
	// contents of the next object are read.
	contentsBuffer(n int) []byte
	// object receives an object: its address, its contents (in the
	// buffer contentsBuffer returned) and the offsets of its pointer
	// words, a slice that is reused once object returns.
	object(addr uint64, contents []byte, pointers []uint64) error
}

// decoder reads the records of a dump in the order runtime/heapdump.go
// writes them. The first error it meets sticks: every later read returns
// zero values, and the record loop stops.
type decoder struct {
	in       *input
	dump     *Dump
	objects  objectSink
	ptrSize  int
	pointers []uint64 // offsets of the record being read
	err      error
}

// decode reads a dump, giving its objects to objects and keeping every
// other record in the Dump it returns.
func decode(r io.Reader, objects objectSink) (*Dump, error) {
	d := &decoder{in: newInput(r), dump: &Dump{}, objects: objects}
	if err := d.header(); err != nil {
		return nil, err
	}
	for {
		tagAt := d.in.offset()
		tag := d.uvarint("a record tag")
		if d.err != nil {
			return nil, d.err
		}
		if tag == tagEOF {
			return d.dump, nil
		}
		if tag != tagParams && d.ptrSize == 0 {
			return nil, &FormatError{Offset: tagAt, Reading: "a record", Problem: fmt.Sprintf("record of kind %d before the parameters record", tag)}
		}
		d.record(tag, tagAt)
		if d.err != nil {
			return nil, d.err
		}
	}
}

func (d *decoder) header() error {
	got := make([]byte, len(header))
	if err := d.in.readFull("the header", got); err != nil || string(got) != header {
		return &FormatError{Offset: 0, Reading: "the header", Problem: fmt.Sprintf("not a Go heap dump: the file does not start with %q", header), Err: err}
	}
	return nil
}

// record reads the body of the record whose tag was just read.
func (d *decoder) record(tag uint64, tagAt int64) {
	dump := d.dump
	switch tag {
	case tagParams:
		d.params(tagAt)
	case tagType:
		dump.Types = append(dump.Types, Type{
			Addr:     d.uvarint("the address of a type"),
			Size:     d.uvarint("the size of a type"),
			Name:     d.str("the name of a type"),
			Indirect: d.boolean("whether a type is stored indirectly in interfaces"),
		})
	case tagItab:
		dump.Itabs = append(dump.Itabs, Itab{
			Addr: d.uvarint("the address of an itab"),
			Type: d.uvarint("the type of an itab"),
		})
	case tagObject:
		d.object()
	case tagOtherRoot:
		dump.OtherRoots = append(dump.OtherRoots, OtherRoot{
			Description: d.str("the description of a root"),
			Pointer:     d.uvarint("the pointer of a root"),
		})
	case tagGoroutine:
		d.goroutine()
	case tagStackFrame:
		d.frame(tagAt)
	case tagDefer:
		rec := Defer{
			Addr:      d.uvarint("the address of a defer record"),
			Goroutine: d.uvarint("the goroutine of a defer record"),
			SP:        d.uvarint("the sp of a defer record"),
			PC:        d.uvarint("the pc of a defer record"),
			FuncVal:   d.uvarint("the closure of a defer record"),
			FuncPC:    d.uvarint("the function of a defer record"),
			Link:      d.uvarint("the link of a defer record"),
		}
		if g := d.goroutineOf(tagAt, "defer record"); g != nil {
			g.Defers = append(g.Defers, rec)
		}
	case tagPanic:
		rec := Panic{
			Addr:      d.uvarint("the address of a panic record"),
			Goroutine: d.uvarint("the goroutine of a panic record"),
			ArgType:   d.uvarint("the type of a panic's value"),
			ArgData:   d.uvarint("the data of a panic's value"),
			Defer:     d.uvarint("the defer of a panic record"),
			Link:      d.uvarint("the link of a panic record"),
		}
		if g := d.goroutineOf(tagAt, "panic record"); g != nil {
			g.Panics = append(g.Panics, rec)
		}
	case tagOSThread:
		dump.Threads = append(dump.Threads, Thread{
			Addr:   d.uvarint("the address of a thread"),
			ID:     d.uvarint("the id of a thread"),
			ProcID: d.uvarint("the system id of a thread"),
		})
	case tagData:
		dump.Data = d.segment("the data segment")
	case tagBSS:
		dump.BSS = d.segment("the bss segment")
	case tagFinalizer:
		dump.Finalizers = append(dump.Finalizers, d.finalizer())
	case tagQueuedFinalizer:
		dump.QueuedFinalizers = append(dump.QueuedFinalizers, d.finalizer())
	case tagMemStats:
		d.memStats()
	case tagMemProf:
		d.memProf()
	case tagAllocSample:
		dump.AllocSamples = append(dump.AllocSamples, AllocSample{
			Addr:   d.uvarint("the address of a sampled object"),
			Bucket: d.uvarint("the bucket of a sampled object"),
		})
	default:
		d.fail(tagAt, "a record tag", fmt.Sprintf("unknown record kind %d", tag))
	}
}

func (d *decoder) fail(at int64, reading, problem string) {
	if d.err == nil {
		d.err = &FormatError{Offset: at, Reading: reading, Problem: problem}
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, err := d.in.uvarint(what)
	d.err = err
	return v
}

func (d *decoder) boolean(what string) bool {
	if d.err != nil {
		return false
	}
	v, err := d.in.boolean(what)
	d.err = err
	return v
}

func (d *decoder) str(what string) string {
	if d.err != nil {
		return ""
	}
	v, err := d.in.str(what)
	d.err = err
	return v
}

// contents reads a length-prefixed byte range into a buffer from alloc.
func (d *decoder) contents(what string, alloc func(int) []byte) []byte {
	if d.err != nil {
		return nil
	}
	n, err := d.in.length(what)
	if err != nil {
		d.err = err
		return nil
	}
	b, err := d.in.bytes(what, n, alloc)
	d.err = err
	return b
}

func makeBytes(n int) []byte { return make([]byte, n) }

// fields reads a list of pointer fields into d.pointers, checking that
// each word lies inside the size bytes it describes.
func (d *decoder) fields(what string, size int) []uint64 {
	d.pointers = d.pointers[:0]
	ptr := uint64(d.ptrSize)
	for d.err == nil {
		kindAt := d.in.offset()
		kind := d.uvarint(what)
		if kind == fieldKindEnd {
			break
		}
		if kind > fieldKindEface {
			d.fail(kindAt, what, fmt.Sprintf("unknown field kind %d", kind))
			break
		}
		offAt := d.in.offset()
		off := d.uvarint(what)
		words := uint64(1)
		if kind != fieldKindPtr {
			words = 2
		}
		if d.err == nil && (off%ptr != 0 || off > uint64(size) || uint64(size)-off < words*ptr) {
			d.fail(offAt, what, fmt.Sprintf("a pointer at offset %d, outside the %d bytes it belongs to or not aligned to %d bytes", off, size, ptr))
			break
		}
		for w := range words {
			d.pointers = append(d.pointers, off+w*ptr)
		}
	}
	return d.pointers
}

func (d *decoder) params(tagAt int64) {
	if d.ptrSize != 0 {
		d.fail(tagAt, "the parameters record", "a second parameters record")
		return
	}
	p := &d.dump.Params
	p.BigEndian = d.boolean("the byte order")
	ptrAt := d.in.offset()
	ptr := d.uvarint("the pointer size")
	p.ArenaStart = d.uvarint("the start of the heap")
	p.ArenaEnd = d.uvarint("the end of the heap")
	p.GOARCH = d.str("GOARCH")
	p.GoVersion = d.str("the Go version")
	cpus := d.uvarint("the number of CPUs")
	if d.err != nil {
		return
	}
	if ptr != 4 && ptr != 8 {
		d.fail(ptrAt, "the pointer size", fmt.Sprintf("a pointer size of %d bytes; only 4 and 8 exist", ptr))
		return
	}
	p.PtrSize, d.ptrSize = int(ptr), int(ptr)
	p.NumCPU = int(min(cpus, 1<<31))
	d.objects.params(*p)
}

func (d *decoder) object() {
	addr := d.uvarint("the address of an object")
	contents := d.contents("the contents of an object", d.objects.contentsBuffer)
	pointers := d.fields("the pointer fields of an object", len(contents))
	if d.err == nil {
		d.err = d.objects.object(addr, contents, pointers)
	}
}

func (d *decoder) goroutine() {
	d.dump.Goroutines = append(d.dump.Goroutines, Goroutine{
		Addr:       d.uvarint("the address of a goroutine"),
		SP:         d.uvarint("the sp of a goroutine"),
		ID:         d.uvarint("the id of a goroutine"),
		CreatorPC:  d.uvarint("the creator pc of a goroutine"),
		Status:     d.uvarint("the status of a goroutine"),
		System:     d.boolean("whether a goroutine is a system goroutine"),
		Background: d.boolean("whether a goroutine is a background goroutine"),
		WaitSince:  d.uvarint("the wait time of a goroutine"),
		WaitReason: d.str("the wait reason of a goroutine"),
		Context:    d.uvarint("the context of a goroutine"),
		M:          d.uvarint("the thread of a goroutine"),
		Defer:      d.uvarint("the defer record of a goroutine"),
		Panic:      d.uvarint("the panic record of a goroutine"),
	})
}

// goroutineOf is the goroutine that a frame, defer or panic record
// belongs to: the last one read.
func (d *decoder) goroutineOf(tagAt int64, what string) *Goroutine {
	if d.err != nil {
		return nil
	}
	gs := d.dump.Goroutines
	if len(gs) == 0 {
		d.fail(tagAt, "a "+what, "a "+what+" before any goroutine record")
		return nil
	}
	return &gs[len(gs)-1]
}

func (d *decoder) frame(tagAt int64) {
	f := Frame{
		SP:             d.uvarint("the sp of a stack frame"),
		Depth:          d.uvarint("the depth of a stack frame"),
		ChildSP:        d.uvarint("the child sp of a stack frame"),
		Contents:       d.contents("the contents of a stack frame", makeBytes),
		Entry:          d.uvarint("the entry pc of a stack frame"),
		PC:             d.uvarint("the pc of a stack frame"),
		ContinuationPC: d.uvarint("the continuation pc of a stack frame"),
		Func:           d.str("the function of a stack frame"),
	}
	f.Pointers = clonePointers(d.fields("the pointer fields of a stack frame", len(f.Contents)))
	if g := d.goroutineOf(tagAt, "stack frame"); g != nil {
		g.Frames = append(g.Frames, f)
	}
}

func (d *decoder) segment(what string) Segment {
	s := Segment{Addr: d.uvarint("the address of " + what)}
	s.Contents = d.contents("the contents of "+what, makeBytes)
	s.Pointers = clonePointers(d.fields("the pointer fields of "+what, len(s.Contents)))
	return s
}

func clonePointers(p []uint64) []uint64 {
	if len(p) == 0 {
		return nil
	}
	return append([]uint64(nil), p...)
}

func (d *decoder) finalizer() Finalizer {
	return Finalizer{
		Object:     d.uvarint("the object of a finalizer"),
		FuncVal:    d.uvarint("the closure of a finalizer"),
		FuncPC:     d.uvarint("the function of a finalizer"),
		ArgType:    d.uvarint("the parameter type of a finalizer"),
		ObjectType: d.uvarint("the object type of a finalizer"),
	}
}

func (d *decoder) memStats() {
	m := &runtime.MemStats{}
	for _, f := range []*uint64{
		&m.Alloc, &m.TotalAlloc, &m.Sys, &m.Lookups, &m.Mallocs, &m.Frees,
		&m.HeapAlloc, &m.HeapSys, &m.HeapIdle, &m.HeapInuse, &m.HeapReleased, &m.HeapObjects,
		&m.StackInuse, &m.StackSys, &m.MSpanInuse, &m.MSpanSys, &m.MCacheInuse, &m.MCacheSys,
		&m.BuckHashSys, &m.GCSys, &m.OtherSys, &m.NextGC, &m.LastGC, &m.PauseTotalNs,
	} {
		*f = d.uvarint("the memory statistics")
	}
	for i := range m.PauseNs {
		m.PauseNs[i] = d.uvarint("the pause times of the memory statistics")
	}
	numAt := d.in.offset()
	num := d.uvarint("the number of garbage collections")
	if d.err == nil && num > 1<<32-1 {
		d.fail(numAt, "the number of garbage collections", fmt.Sprintf("%d does not fit in 32 bits", num))
	}
	m.NumGC = uint32(num)
	d.dump.MemStats = m
}

func (d *decoder) memProf() {
	b := MemProfileBucket{
		Addr: d.uvarint("the address of a memory profile bucket"),
		Size: d.uvarint("the size of a memory profile bucket"),
	}
	nAt := d.in.offset()
	n := d.uvarint("the depth of a memory profile stack")
	// Each frame takes at least three bytes: a depth the rest of the dump
	// cannot hold is corrupt.
	if left := d.in.left(); d.err == nil && left >= 0 && n > uint64(left/3) {
		d.err = &FormatError{Offset: nAt, Reading: "the depth of a memory profile stack", Problem: fmt.Sprintf("%d frames, more than the %d bytes left can hold", n, left), Err: io.ErrUnexpectedEOF}
	}
	b.Stack = make([]MemProfileFrame, 0, min(n, 64))
	for i := uint64(0); i < n && d.err == nil; i++ {
		b.Stack = append(b.Stack, MemProfileFrame{
			Func: d.str("the function of a memory profile frame"),
			File: d.str("the file of a memory profile frame"),
			Line: d.uvarint("the line of a memory profile frame"),
		})
	}
	b.Allocs = d.uvarint("the allocations of a memory profile bucket")
	b.Frees = d.uvarint("the frees of a memory profile bucket")
	d.dump.MemProfile = append(d.dump.MemProfile, b)
}
