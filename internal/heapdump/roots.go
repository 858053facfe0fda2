package heapdump

import (
	"runtime"
	"strconv"
	"strings"

	"github.com/objtrack/objtrack/internal/stack"
)

// root describes the root of a seed.
func (s *search) root(sd seed) Root {
	src := &s.sources[sd.source]
	r := Root{Kind: src.kind, Slot: sd.slot, source: sd.source}
	d := s.g.roots
	switch src.kind {
	case RootGlobal:
		r.Global = &GlobalRoot{Segment: src.name, Offset: sd.slot - src.segment.Addr}
	case RootGoroutine:
		r.Goroutine = goroutineRoot(&d.Goroutines[src.goroutine], src.frame, src.holder)
		r.Goroutine.Scanned = src.scanned
		r.Goroutine.goroutine = src.goroutine
	case RootFinalizer:
		f := src.finalizer
		fr := &FinalizerRoot{Object: f.Object, FuncPC: f.FuncPC, Queued: src.queued, Holder: src.holder}
		if _, size, ok := s.g.ObjectAt(f.Object); ok {
			fr.ObjectSize = size
		}
		if src.holder == "field" {
			fr.Field = sd.slot - f.Object
		}
		if s.g.writtenHere() {
			if fn := runtime.FuncForPC(uintptr(f.FuncPC)); fn != nil {
				fr.Func = fn.Name()
			}
		}
		r.Finalizer = fr
	case RootOther:
		r.Other = src.other
	}
	return r
}

// goroutineRoot describes goroutine g holding a pointer in its frame of
// index frame (-1 for its context, a deferred call or a panic).
func goroutineRoot(g *Goroutine, frame int, holder string) *GoroutineRoot {
	gr := &GoroutineRoot{
		ID:        g.ID,
		Status:    g.WaitReason,
		System:    g.System,
		WroteDump: g.WaitReason == waitReasonDumpingHeap,
		Holder:    holder,
		Depth:     -1,
		TopDepth:  -1,
		frame:     frame,
	}
	if gr.Status == "" {
		gr.Status = g.StatusName()
	}
	if frame >= 0 {
		f := &g.Frames[frame]
		gr.Func, gr.PC, gr.Depth = f.Func, f.PC, int(f.Depth)
		gr.File, gr.Line = position(f)
	}
	for i := range g.Frames {
		if f := &g.Frames[i]; !isRuntimeFunc(f.Func) {
			gr.Top, gr.TopPC, gr.TopDepth = f.Func, f.PC, int(f.Depth)
			gr.TopFile, gr.TopLine = position(f)
			break
		}
	}
	return gr
}

// position returns the file and line at which a frame stands, when its pc
// belongs to this process: the running executable has a function of the
// frame's name at the frame's entry, and pc is in it. (FuncForPC names
// the innermost inlined function at pc, so the name is checked at the
// entry.)
func position(f *Frame) (file string, line int) { return positionOf(f, f.Func) }

// positionOf returns the file and line at which function name stands in
// frame f: the frame's function, or one inlined into it.
func positionOf(f *Frame, name string) (file string, line int) {
	pc := uintptr(f.PC)
	if f.Depth > 0 && pc > uintptr(f.Entry) {
		pc-- // a return address: the call is the instruction before
	}
	entry := runtime.FuncForPC(uintptr(f.Entry))
	fn := runtime.FuncForPC(pc)
	if entry == nil || fn == nil || !sameFunc(entry.Name(), f.Func) || fn.Entry() != uintptr(f.Entry) {
		return "", 0
	}
	// At pc, calls inlined into the frame's function may be under way:
	// FileLine would give the innermost one's line. The line of the
	// frame's own function is that of the outermost frame that
	// CallersFrames expands pc into (it takes return addresses, hence
	// pc+1).
	frames := runtime.CallersFrames([]uintptr{pc + 1})
	for {
		fr, more := frames.Next()
		if sameFunc(fr.Function, name) {
			file, line = fr.File, fr.Line
		}
		if !more {
			break
		}
	}
	if file == "" && name == f.Func {
		return fn.FileLine(pc)
	}
	return file, line
}

// sameFunc reports whether two names of functions are the same function
// as the runtime names them: the dump spells out a generic function's
// type arguments ("flight.(*Group[go.shape.int]).run") where FuncForPC
// and CallersFrames write "[...]".
func sameFunc(a, b string) bool {
	return a == b || elideTypeArgs(a) == elideTypeArgs(b)
}

// elideTypeArgs writes every outermost bracketed part of a name as
// "[...]".
func elideTypeArgs(name string) string {
	if !strings.Contains(name, "[") {
		return name
	}
	var b strings.Builder
	depth := 0
	for _, r := range name {
		switch {
		case r == '[':
			if depth == 0 {
				b.WriteString("[...]")
			}
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writtenHere reports whether the dump was written by the running
// process: every stack frame's pc is in a function of the same name here.
func (g *Graph) writtenHere() bool {
	g.hereOnce.Do(func() {
		frames := 0
		for _, gr := range g.roots.Goroutines {
			for i := range gr.Frames {
				if file, _ := position(&gr.Frames[i]); file == "" {
					return
				}
				frames++
			}
		}
		g.here = frames > 0
	})
	return g.here
}

// isRuntimeFunc reports whether a function belongs to the runtime or to
// the standard library's synchronization, below the code that a
// goroutine runs for the program.
func isRuntimeFunc(name string) bool {
	pkg := funcPackage(name)
	return pkg == "runtime" || strings.HasPrefix(pkg, "runtime/") || strings.HasPrefix(pkg, "internal/") ||
		pkg == "sync" || pkg == "sync/atomic"
}

// frameClass orders frames for the stack scan: 0 for the program's
// functions, 1 for the standard library's (a package path whose first
// element has no dot), 2 for the runtime's.
func frameClass(name string) int {
	switch pkg := funcPackage(name); {
	case isRuntimeFunc(name):
		return 2
	case pkg == "main":
		return 0
	case !strings.Contains(strings.SplitN(pkg, "/", 2)[0], "."):
		return 1
	}
	return 0
}

// funcPackage returns the import path of a function's package:
// "example.com/db" for "example.com/db.(*Pool).serve".
func funcPackage(name string) string {
	// Type arguments ("F[go.shape.int]") may hold dots and slashes.
	plain := name
	if i := strings.IndexByte(plain, '['); i >= 0 {
		plain = plain[:i]
	}
	slash := strings.LastIndexByte(plain, '/') + 1
	if dot := strings.IndexByte(plain[slash:], '.'); dot >= 0 {
		return plain[:slash+dot]
	}
	return plain
}

// shortName drops the directories of an import path from a qualified
// name: "db.(*Pool).serve" for "example.com/db.(*Pool).serve".
func shortName(name string) string { return stack.ShortName(unescapePath(name)) }

// unescapePath undoes the linker's escapes in a symbol's package path:
// the dots of its last element, and characters that are not printable
// ASCII, are written %xx ("gopkg.in/yaml%2ev3.Node").
func unescapePath(name string) string {
	if !strings.Contains(name, "%") {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '%' && i+2 < len(name) {
			if v, err := strconv.ParseUint(name[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(name[i])
	}
	return b.String()
}
