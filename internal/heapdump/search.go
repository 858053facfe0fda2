package heapdump

import (
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
	// Framework lists the import paths of a test framework's packages
	// (each with the packages under it) whose variables and stack frames
	// hold what the framework keeps of its tests: Ginkgo's spec tree and
	// the container variables its closures capture. Their roots are
	// searched after every other root but the frames of the goroutine
	// that wrote the dump, so that a Path reaches its target from one of
	// them (Path.Framework) only when no other root does. Variables are
	// told apart by Symbols, and by FrameworkVariables.
	Framework []string
	// FrameworkVariables are package variables of the framework, by the
	// address range [start, end) of each, that count as the framework's
	// with or without Symbols.
	FrameworkVariables [][2]uint64
	// Objects names objects by the address they start at, for a map
	// whose key is a pointer to one: m[*db.Conn serial 3] (Go has no
	// literal for a pointer). A tracker gives its tracked objects.
	Objects map[uint64]string
	// Untyped reads no types: the steps after a root are objects and
	// their sizes, and a global's offset in its variable.
	Untyped bool
}

// Paths returns, for each target address, a path from a root to the
// object that contains it, in the order of targets: a shortest path among
// those from the first tier of roots that reaches the object.
//
// It runs one breadth-first search over the whole graph and stops when
// every target is reached. Roots are taken in tiers, the search drained
// after each: every root the dump lists but those of opts.Framework, the
// finalizers not yet queued and the frames of the goroutine that wrote
// the dump; then the framework's; then those finalizers, so that what
// keeps a finalizer's object explains what the object points to; then
// the writer's frames, so that the writer's own variables explain an
// object only when nothing else does; last, for targets still unreached,
// every word of every stack frame (tiers.go). Among paths of the same
// length within a tier, the first root wins in this order: goroutines of
// the program, globals, queued finalizers, goroutines of the runtime,
// other roots.
//
// Beyond the Graph, it takes 4 bytes per object, and as many again at
// most for its queue.
func (g *Graph) Paths(targets []uint64, opts SearchOptions) []Path {
	s := newSearch(g)
	s.framework, s.frameworkVars, s.symbols = opts.Framework, opts.FrameworkVariables, opts.Symbols
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
	t := &typer{g: g, objects: opts.Objects}
	if opts.Symbols != nil && !opts.Untyped {
		t.types, _ = opts.Symbols.Types()
	}
	if g.writtenHere() {
		t.mem = openLiveMemory()
		defer t.mem.close()
	}
	g.nameTimers(paths, t.processors(opts.Symbols))
	for i := range paths {
		p := &paths[i]
		// The runtime's timer heaps (runtime.allp) that nameTimers could
		// not read as a timer's keep their sizes.
		switch r := p.Root; {
		case r.Kind == RootGlobal && r.Global != nil && r.Global.Typed && r.Global.Name != "runtime.allp":
			p.typeFrom(t, r.Global.word, r.Slot, 0)
		case r.Kind == RootGoroutine && r.Goroutine != nil && r.Goroutine.Holder == "stack frame" && t.types != nil:
			t.typeLocal(p)
		case r.Kind == RootTimer && r.Timer != nil:
			t.typeTimer(p)
		}
		t.nameClosures(p)
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
	// framework and symbols are SearchOptions'; the seeds of the
	// framework's roots are those numbered from frameworkSeeds[0] to
	// frameworkSeeds[1].
	framework      []string
	frameworkVars  [][2]uint64
	symbols        *symbols.Table
	frameworkSeeds [2]int
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
	k := int(by - s.seedBase)
	sd := s.seeds[k]
	p.Root = s.root(sd)
	p.Framework = k >= s.frameworkSeeds[0] && k < s.frameworkSeeds[1]
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
