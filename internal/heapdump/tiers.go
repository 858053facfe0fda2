package heapdump

import (
	"cmp"
	"slices"
	"strings"
)

// run seeds the search with the roots, in tiers, and drains it after
// each: first every root the dump lists but the framework's
// (SearchOptions.Framework), the finalizers not yet queued, and the
// frames of the goroutine that wrote the dump; then the framework's;
// then the finalizers; then the writer's frames; then, for targets
// still unreached, every word of every stack frame.
func (s *search) run() {
	if s.unreached == 0 {
		return
	}
	d := s.g.roots
	ptr := d.Params.PtrSize
	order := byteOrder(d.Params)
	word := func(b []byte, off uint64) uint64 { return readWord(b[off:], ptr, order) }

	// Each root is seeded in the tier it belongs to: theirs is true for
	// the framework's tier.
	goroutine := func(gi int, theirs bool) {
		gr := &d.Goroutines[gi]
		for fi := range gr.Frames {
			f := &gr.Frames[fi]
			if s.frameworks(f.Func) != theirs {
				continue
			}
			src := s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: fi, holder: "stack frame"})
			for _, off := range f.Pointers {
				s.seed(src, f.SP+off, word(f.Contents, off))
			}
		}
		// What the goroutine holds outside its frames is the framework's
		// when the code it stands in is: a deferred call by the frame
		// that deferred it, its context and panics by its innermost frame
		// outside the runtime.
		if s.frameworks(innermostCode(gr)) == theirs {
			if gr.Context != 0 {
				s.seed(s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: -1, holder: "closure context"}), 0, gr.Context)
			}
			for _, p := range gr.Panics {
				s.seed(s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: -1, holder: "panic value"}), 0, p.ArgData)
			}
		}
		for _, df := range gr.Defers {
			if s.frameworks(deferringFunc(gr, df.SP)) == theirs {
				s.seed(s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: -1, holder: "deferred call"}), 0, df.FuncVal)
			}
		}
	}
	segment := func(seg *Segment, name string, theirs bool) {
		src := s.addSource(rootSource{kind: RootGlobal, segment: seg, name: name})
		for _, off := range seg.Pointers {
			if s.frameworkVariable(seg.Addr+off) == theirs {
				s.seed(src, seg.Addr+off, word(seg.Contents, off))
			}
		}
	}
	finalizer := func(f *Finalizer, queued bool) {
		s.seed(s.addSource(rootSource{kind: RootFinalizer, finalizer: f, queued: queued, holder: "function"}), 0, f.FuncVal)
		if queued {
			s.seed(s.addSource(rootSource{kind: RootFinalizer, finalizer: f, queued: true, holder: "object"}), 0, f.Object)
			return
		}
		// The object of a finalizer is not kept by it (its finalizer runs
		// once nothing else keeps it), but what it points to is.
		i := s.lookup(f.Object)
		if i < 0 {
			return
		}
		src := s.addSource(rootSource{kind: RootFinalizer, finalizer: f, holder: "field"})
		e := s.g.objects.at(i)
		s.forEachPointer(e, func(off, value uint64) bool {
			s.seed(src, e.addr+off, value)
			return true
		})
	}

	wroteDump := func(gr *Goroutine) bool { return gr.WaitReason == waitReasonDumpingHeap }
	for gi := range d.Goroutines {
		if gr := &d.Goroutines[gi]; !gr.System && !wroteDump(gr) {
			goroutine(gi, false)
		}
	}
	segment(&d.Data, ".data", false)
	segment(&d.BSS, ".bss", false)
	for i := range d.QueuedFinalizers {
		finalizer(&d.QueuedFinalizers[i], true)
	}
	for gi := range d.Goroutines {
		if gr := &d.Goroutines[gi]; gr.System && !wroteDump(gr) {
			goroutine(gi, false)
		}
	}
	for _, o := range d.OtherRoots {
		s.seed(s.addSource(rootSource{kind: RootOther, other: o.Description}), 0, o.Pointer)
	}
	s.drain()
	if s.unreached == 0 {
		return
	}
	if len(s.framework) > 0 || len(s.frameworkVars) > 0 {
		s.frameworkSeeds[0] = len(s.seeds)
		for gi := range d.Goroutines {
			if gr := &d.Goroutines[gi]; !wroteDump(gr) {
				goroutine(gi, true)
			}
		}
		segment(&d.Data, ".data", true)
		segment(&d.BSS, ".bss", true)
		s.frameworkSeeds[1] = len(s.seeds)
		s.drain()
		if s.unreached == 0 {
			return
		}
	}
	// The finalizers that are not queued keep what their objects point
	// to, but only their objects' holders, searched before, say why: an
	// object that a variable keeps is the variable's, not its
	// finalizer's. What no other root reaches is the finalizers'.
	for i := range d.Finalizers {
		finalizer(&d.Finalizers[i], false)
	}
	s.drain()
	if s.unreached == 0 {
		return
	}
	for gi := range d.Goroutines {
		if wroteDump(&d.Goroutines[gi]) {
			goroutine(gi, false)
			goroutine(gi, true)
		}
	}
	s.drain()
	if s.unreached == 0 {
		return
	}
	// Last, every word of every stack frame, as if it were a pointer.
	// The frames' pointer maps leave out some words that do keep objects
	// alive: the value a goroutine blocked in a channel send is sending
	// (the channel's waiter points at it), a closure kept by a deferred
	// call. A target still unreached is alive, so something holds it;
	// a frame that holds its address is the best account there is, and
	// is labelled as found by a scan.
	//
	// A scanned word may also be a stale copy in a slot that is dead, so
	// the likeliest holders are scanned first: the program's own frames
	// before the standard library's (a long-lived testing.(*M).Run frame
	// may hold a dead copy) and those before the runtime's (chansend's
	// copy of the value says less about who holds it); the newest
	// goroutines first, as a leaking goroutine is more often young than
	// old; the goroutine that wrote the dump last.
	newest := make([]int, len(d.Goroutines))
	for i := range newest {
		newest[i] = i
	}
	slices.SortStableFunc(newest, func(a, b int) int { return cmp.Compare(d.Goroutines[b].ID, d.Goroutines[a].ID) })
	for pass := range 6 {
		writer, class := pass >= 3, pass%3
		for _, gi := range newest {
			gr := &d.Goroutines[gi]
			if wroteDump(gr) != writer {
				continue
			}
			for fi := range gr.Frames {
				f := &gr.Frames[fi]
				if frameClass(f.Func) != class {
					continue
				}
				src := s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: fi, holder: "stack frame", scanned: true})
				for off := uint64(0); off+uint64(ptr) <= uint64(len(f.Contents)); off += uint64(ptr) {
					s.seed(src, f.SP+off, word(f.Contents, off))
				}
			}
		}
		s.drain()
		if s.unreached == 0 {
			return
		}
	}
}

// frameworks reports whether a function, or a variable, of this name
// belongs to one of the framework's packages (SearchOptions.Framework).
func (s *search) frameworks(name string) bool {
	if len(s.framework) == 0 || name == "" {
		return false
	}
	pkg := funcPackage(name)
	for _, fw := range s.framework {
		if pkg == fw || strings.HasPrefix(pkg, fw+"/") {
			return true
		}
	}
	return false
}

// frameworkVariable reports whether the pointer at slot, in the data or
// bss segment, is in a variable of the framework's packages.
func (s *search) frameworkVariable(slot uint64) bool {
	for _, r := range s.frameworkVars {
		if slot >= r[0] && slot < r[1] {
			return true
		}
	}
	if len(s.framework) == 0 || s.symbols == nil {
		return false
	}
	sym, ok := s.symbols.Containing(slot)
	return ok && s.frameworks(sym.Name)
}

// innermostCode returns the function of a goroutine's innermost frame
// outside the runtime: the code it stands in.
func innermostCode(gr *Goroutine) string {
	for i := range gr.Frames {
		if f := &gr.Frames[i]; !isRuntimeFunc(f.Func) {
			return f.Func
		}
	}
	return ""
}

// deferringFunc returns the function of the frame at whose stack pointer
// a deferred call was recorded: the function that deferred it.
func deferringFunc(gr *Goroutine, sp uint64) string {
	for i := range gr.Frames {
		f := &gr.Frames[i]
		if sp >= f.SP && sp < f.SP+uint64(len(f.Contents)) || sp == f.SP {
			return f.Func
		}
	}
	return innermostCode(gr)
}
