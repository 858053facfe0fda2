package heapdump

import (
	"cmp"
	"slices"

	"github.com/objtrack/objtrack/internal/heapdump/symbols"
)

// SearchOptions are the options of [Graph.Paths].
type SearchOptions struct {
	// Symbols names package-level variables. It must be the symbol table
	// of the executable that wrote the dump, with the addresses it had
	// then ([symbols.ForProcess] gives that of the running process). When
	// nil, global roots are given by segment and offset.
	Symbols *symbols.Table
	// NoSymbols says why Symbols is nil, for GlobalRoot.Unnamed. The
	// default tells how to build with a symbol table.
	NoSymbols string
}

// Paths returns, for each target address, a shortest path from a root to
// the object that contains it, in the order of targets.
//
// It runs one breadth-first search over the whole graph, from every root
// at once, and stops when every target is reached. Roots are taken in two
// tiers: first all of them but the frames of the goroutine that wrote the
// dump, then those frames, so that the writer's own variables explain an
// object only when nothing else does. Among paths of the same length, the
// first root wins in this order: goroutines of the program, globals,
// finalizers, goroutines of the runtime, other roots.
//
// Beyond the Graph, it takes 4 bytes per object, and as many again at
// most for its queue.
func (g *Graph) Paths(targets []uint64, opts SearchOptions) []Path {
	s := newSearch(g)
	for _, t := range targets {
		s.addTarget(t)
	}
	s.run()
	paths := make([]Path, len(targets))
	for i, t := range targets {
		paths[i] = s.path(t)
	}
	names := newGlobalNamer(g.roots, opts)
	for i := range paths {
		if r := &paths[i].Root; r.Global != nil {
			names.name(r.Slot, r.Global)
		}
	}
	return paths
}

// search is one breadth-first search of a Graph.
type search struct {
	g *Graph
	// reachedBy has one marker per object: 0 when not reached yet, i+1
	// when reached from object i, seedBase+k when reached from seeds[k].
	reachedBy []uint32
	seedBase  uint32
	seeds     []seed
	sources   []rootSource
	queue     queue
	unreached int      // targets not reached yet
	isTarget  []uint64 // a bit per object: whether it is one of them
}

// seed is a pointer held by a root that reached an object first.
type seed struct {
	slot, value uint64
	source      uint32 // index in search.sources
}

// rootSource is one root that holds pointers: a segment, a stack frame,
// a finalizer.
type rootSource struct {
	kind      RootKind
	segment   *Segment // RootGlobal
	name      string   // the segment's name
	goroutine int      // RootGoroutine: index in Dump.Goroutines
	frame     int      // index in its Frames, or -1
	holder    string
	finalizer *Finalizer // RootFinalizer
	queued    bool
	other     string
	scanned   bool // a stack frame's word that its pointer map does not list
}

func newSearch(g *Graph) *search {
	return &search{
		g:         g,
		reachedBy: make([]uint32, g.objects.n),
		seedBase:  uint32(g.objects.n) + 1,
		isTarget:  make([]uint64, (g.objects.n+63)/64),
	}
}

func (s *search) lookup(addr uint64) int {
	return s.g.index.lookup(addr, &s.g.objects, s.g.shapes)
}

func (s *search) addTarget(addr uint64) {
	if i := s.lookup(addr); i >= 0 && s.isTarget[i/64]&(1<<(i%64)) == 0 {
		s.isTarget[i/64] |= 1 << (i % 64)
		s.unreached++
	}
}

// reach marks object i reached with marker by, unless it was already,
// and queues it if it has pointers.
func (s *search) reach(i int, by uint32) bool {
	if s.reachedBy[i] != 0 {
		return false
	}
	s.reachedBy[i] = by
	if s.isTarget[i/64]&(1<<(i%64)) != 0 {
		s.isTarget[i/64] &^= 1 << (i % 64)
		s.unreached--
	}
	e := s.g.objects.at(i)
	if s.g.shapes[e.shape].words > 0 {
		s.queue.push(uint32(i))
	}
	return true
}

// seed offers a root's pointer to the search.
func (s *search) seed(source uint32, slot, value uint64) {
	i := s.lookup(value)
	if i < 0 || s.reachedBy[i] != 0 || uint64(s.seedBase)+uint64(len(s.seeds)) >= 1<<32-1 {
		return
	}
	s.reach(i, s.seedBase+uint32(len(s.seeds)))
	s.seeds = append(s.seeds, seed{slot: slot, value: value, source: source})
}

func (s *search) addSource(src rootSource) uint32 {
	s.sources = append(s.sources, src)
	return uint32(len(s.sources) - 1)
}

func (s *search) run() {
	if s.unreached == 0 {
		return
	}
	d := s.g.roots
	ptr := d.Params.PtrSize
	order := byteOrder(d.Params)
	word := func(b []byte, off uint64) uint64 { return readWord(b[off:], ptr, order) }

	goroutine := func(gi int) {
		gr := &d.Goroutines[gi]
		for fi := range gr.Frames {
			f := &gr.Frames[fi]
			src := s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: fi, holder: "stack frame"})
			for _, off := range f.Pointers {
				s.seed(src, f.SP+off, word(f.Contents, off))
			}
		}
		if gr.Context != 0 {
			s.seed(s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: -1, holder: "closure context"}), 0, gr.Context)
		}
		for _, df := range gr.Defers {
			s.seed(s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: -1, holder: "deferred call"}), 0, df.FuncVal)
		}
		for _, p := range gr.Panics {
			s.seed(s.addSource(rootSource{kind: RootGoroutine, goroutine: gi, frame: -1, holder: "panic value"}), 0, p.ArgData)
		}
	}
	segment := func(seg *Segment, name string) {
		src := s.addSource(rootSource{kind: RootGlobal, segment: seg, name: name})
		for _, off := range seg.Pointers {
			s.seed(src, seg.Addr+off, word(seg.Contents, off))
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
			goroutine(gi)
		}
	}
	segment(&d.Data, ".data")
	segment(&d.BSS, ".bss")
	for i := range d.Finalizers {
		finalizer(&d.Finalizers[i], false)
	}
	for i := range d.QueuedFinalizers {
		finalizer(&d.QueuedFinalizers[i], true)
	}
	for gi := range d.Goroutines {
		if gr := &d.Goroutines[gi]; gr.System && !wroteDump(gr) {
			goroutine(gi)
		}
	}
	for _, o := range d.OtherRoots {
		s.seed(s.addSource(rootSource{kind: RootOther, other: o.Description}), 0, o.Pointer)
	}
	s.drain()
	if s.unreached == 0 {
		return
	}
	for gi := range d.Goroutines {
		if wroteDump(&d.Goroutines[gi]) {
			goroutine(gi)
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

// drain runs the search until the queue is empty or every target is
// reached.
func (s *search) drain() {
	objects, shapes, words := &s.g.objects, s.g.shapes, &s.g.words
	index := &s.g.index
	for s.unreached > 0 {
		i, ok := s.queue.pop()
		if !ok {
			return
		}
		e := objects.at(int(i))
		for _, w := range words.get(e.words, shapes[e.shape].words) {
			if w < index.lo || w >= index.hi {
				continue // nil, or not a heap pointer
			}
			if k := index.lookup(w, objects, shapes); k >= 0 && s.reachedBy[k] == 0 {
				s.reach(k, i+1)
			}
		}
	}
}

// forEachPointer calls f with the offset and value of each pointer word
// of an object, in the dump's order, until f returns false.
func (s *search) forEachPointer(e *objectEntry, f func(off, value uint64) bool) {
	sh := &s.g.shapes[e.shape]
	words := s.g.words.get(e.words, sh.words)
	ptr := uint64(s.g.roots.Params.PtrSize)
	k := 0
	for _, r := range sh.runs {
		for w := range r.count {
			if !f((uint64(r.first)+uint64(w))*ptr, words[k]) {
				return
			}
			k++
		}
	}
}

// path builds the path to the object that contains target.
func (s *search) path(target uint64) Path {
	p := Path{Target: target}
	i := s.lookup(target)
	if i < 0 {
		return p
	}
	var chain []int // object indexes, target first
	by := s.reachedBy[i]
	chain = append(chain, i)
	for by != 0 && by < s.seedBase {
		i = int(by - 1)
		chain = append(chain, i)
		by = s.reachedBy[i]
	}
	if by == 0 {
		p.Steps = []Step{s.step(chain[0])}
		return p
	}
	sd := s.seeds[by-s.seedBase]
	p.Root = s.root(sd)
	p.Steps = make([]Step, len(chain))
	for k := range chain {
		j := chain[len(chain)-1-k]
		st := s.step(j)
		if k == 0 {
			st.Pointer = sd.value
		} else {
			prev := s.g.objects.at(chain[len(chain)-k])
			s.forEachPointer(prev, func(off, value uint64) bool {
				if value-st.Addr < st.Size {
					st.Pointer, st.Field = value, off
					return false
				}
				return true
			})
		}
		p.Steps[k] = st
	}
	return p
}

func (s *search) step(i int) Step {
	e := s.g.objects.at(i)
	return Step{Addr: e.addr, Size: s.g.shapes[e.shape].size, Pointer: e.addr}
}
