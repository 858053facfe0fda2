package heapdump

import (
	"encoding/binary"
	"slices"
)

// encode writes a Dump in the format runtime/heapdump.go writes, records
// of a kind together, in the runtime's order. The tests use it to make
// small dumps from real ones, and dumps with chosen flaws.
func encode(d *Dump) []byte {
	e := &encoder{}
	e.b = append(e.b, header...)
	p := d.Params
	e.uint(tagParams, boolInt(p.BigEndian), uint64(p.PtrSize), p.ArenaStart, p.ArenaEnd)
	e.str(p.GOARCH)
	e.str(p.GoVersion)
	e.uint(uint64(p.NumCPU))
	for _, t := range d.Types {
		e.uint(tagType, t.Addr, t.Size)
		e.str(t.Name)
		e.uint(boolInt(t.Indirect))
	}
	for _, it := range d.Itabs {
		e.uint(tagItab, it.Addr, it.Type)
	}
	for _, o := range d.Objects {
		e.uint(tagObject, o.Addr)
		e.bytes(o.Contents)
		e.fields(o.Pointers)
	}
	for _, g := range d.Goroutines {
		e.uint(tagGoroutine, g.Addr, g.SP, g.ID, g.CreatorPC, g.Status, boolInt(g.System), boolInt(g.Background), g.WaitSince)
		e.str(g.WaitReason)
		e.uint(g.Context, g.M, g.Defer, g.Panic)
		for _, f := range g.Frames {
			e.uint(tagStackFrame, f.SP, f.Depth, f.ChildSP)
			e.bytes(f.Contents)
			e.uint(f.Entry, f.PC, f.ContinuationPC)
			e.str(f.Func)
			e.fields(f.Pointers)
		}
		for _, df := range g.Defers {
			e.uint(tagDefer, df.Addr, df.Goroutine, df.SP, df.PC, df.FuncVal, df.FuncPC, df.Link)
		}
		for _, pn := range g.Panics {
			e.uint(tagPanic, pn.Addr, pn.Goroutine, pn.ArgType, pn.ArgData, pn.Defer, pn.Link)
		}
	}
	for _, t := range d.Threads {
		e.uint(tagOSThread, t.Addr, t.ID, t.ProcID)
	}
	e.segment(tagData, d.Data)
	e.segment(tagBSS, d.BSS)
	for _, f := range d.Finalizers {
		e.uint(tagFinalizer, f.Object, f.FuncVal, f.FuncPC, f.ArgType, f.ObjectType)
	}
	for _, f := range d.QueuedFinalizers {
		e.uint(tagQueuedFinalizer, f.Object, f.FuncVal, f.FuncPC, f.ArgType, f.ObjectType)
	}
	for _, r := range d.OtherRoots {
		e.uint(tagOtherRoot)
		e.str(r.Description)
		e.uint(r.Pointer)
	}
	if m := d.MemStats; m != nil {
		e.uint(tagMemStats, m.Alloc, m.TotalAlloc, m.Sys, m.Lookups, m.Mallocs, m.Frees,
			m.HeapAlloc, m.HeapSys, m.HeapIdle, m.HeapInuse, m.HeapReleased, m.HeapObjects,
			m.StackInuse, m.StackSys, m.MSpanInuse, m.MSpanSys, m.MCacheInuse, m.MCacheSys,
			m.BuckHashSys, m.GCSys, m.OtherSys, m.NextGC, m.LastGC, m.PauseTotalNs)
		e.uint(m.PauseNs[:]...)
		e.uint(uint64(m.NumGC))
	}
	for _, b := range d.MemProfile {
		e.uint(tagMemProf, b.Addr, b.Size, uint64(len(b.Stack)))
		for _, f := range b.Stack {
			e.str(f.Func)
			e.str(f.File)
			e.uint(f.Line)
		}
		e.uint(b.Allocs, b.Frees)
	}
	for _, s := range d.AllocSamples {
		e.uint(tagAllocSample, s.Addr, s.Bucket)
	}
	e.uint(tagEOF)
	return e.b
}

type encoder struct{ b []byte }

func (e *encoder) uint(vs ...uint64) {
	for _, v := range vs {
		e.b = binary.AppendUvarint(e.b, v)
	}
}

func (e *encoder) str(s string) { e.bytes([]byte(s)) }

func (e *encoder) bytes(b []byte) {
	e.uint(uint64(len(b)))
	e.b = append(e.b, b...)
}

func (e *encoder) fields(offsets []uint64) {
	for _, off := range offsets {
		e.uint(fieldKindPtr, off)
	}
	e.uint(fieldKindEnd)
}

func (e *encoder) segment(tag uint64, s Segment) {
	e.uint(tag, s.Addr)
	e.bytes(s.Contents)
	e.fields(s.Pointers)
}

func boolInt(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// shrink returns a copy of a dump with few records of each kind, for
// tests that parse it thousands of times.
func shrink(d *Dump) *Dump {
	s := *d
	s.Types = d.Types[:min(len(d.Types), 4)]
	s.Itabs = d.Itabs[:min(len(d.Itabs), 4)]
	s.Objects = nil
	for _, o := range d.Objects {
		if len(o.Contents) <= 256 && len(s.Objects) < 24 {
			s.Objects = append(s.Objects, o)
		}
	}
	s.Goroutines = nil
	for _, g := range d.Goroutines[:min(len(d.Goroutines), 3)] {
		g.Frames = slices.Clone(g.Frames[:min(len(g.Frames), 3)])
		for i, f := range g.Frames {
			if len(f.Contents) > 256 {
				g.Frames[i].Contents = f.Contents[:256]
				g.Frames[i].Pointers = below(f.Pointers, 256-8)
			}
		}
		s.Goroutines = append(s.Goroutines, g)
	}
	s.Threads = d.Threads[:min(len(d.Threads), 2)]
	s.Data = shrinkSegment(d.Data)
	s.BSS = shrinkSegment(d.BSS)
	s.Finalizers = d.Finalizers[:min(len(d.Finalizers), 2)]
	s.MemProfile = d.MemProfile[:min(len(d.MemProfile), 2)]
	s.AllocSamples = d.AllocSamples[:min(len(d.AllocSamples), 2)]
	return &s
}

func shrinkSegment(s Segment) Segment {
	if len(s.Contents) > 512 {
		s.Contents = s.Contents[:512]
		s.Pointers = below(s.Pointers, 512-8)
	}
	return s
}

// below returns the offsets up to limit.
func below(offsets []uint64, limit uint64) []uint64 {
	var out []uint64
	for _, o := range offsets {
		if o <= limit {
			out = append(out, o)
		}
	}
	return out
}
