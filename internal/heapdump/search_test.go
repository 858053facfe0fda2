package heapdump

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// leaked is what the tests look for: an object with a pointer, so that
// it is not allocated by the tiny allocator with others.
type leaked struct {
	serial int
	_      *int
	_      [2]uint64
}

//go:noinline
func newLeaked(serial int) *leaked { return &leaked{serial: serial} }

// Holders, each its own way.
var (
	searchRegistry = map[string]*leaked{}
	searchDeep     *deepOuter
	searchCycle    *cycleNode
	searchSync     sync.Map
	searchShared   map[int]*leaked
)

type deepOuter struct {
	name  string
	inner []*deepMiddle
}

type deepMiddle struct {
	items []*leaked
}

type cycleNode struct {
	next *cycleNode
	held *leaked
}

// sizeClass is the size the allocator gives an object of n bytes, for n
// up to 128.
func sizeClass(n uintptr) uint64 {
	for _, c := range []uintptr{8, 16, 24, 32, 48, 64, 80, 96, 112, 128} {
		if n <= c {
			return uint64(c)
		}
	}
	panic("sizeClass: larger than 128 bytes")
}

// pathsTo writes a dump of this process and returns the paths to the
// objects at targets.
func pathsTo(t *testing.T, opts SearchOptions, targets ...uint64) []Path {
	t.Helper()
	return pathsIn(t, writeDump(t), opts, targets...)
}

// pathsIn returns the paths to the objects at targets in a dump.
func pathsIn(t *testing.T, dump string, opts SearchOptions, targets ...uint64) []Path {
	t.Helper()
	g, err := ReadGraphFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	paths := g.Paths(targets, opts)
	for _, p := range paths {
		t.Logf("path to %#x:\n%s", p.Target, p.RootText())
	}
	return paths
}

// checkEnds checks that a path is found and ends at target.
func checkEnds(t *testing.T, p Path, target uint64) {
	t.Helper()
	if !p.Found() {
		t.Fatalf("no path to %#x", target)
	}
	last := p.Steps[len(p.Steps)-1]
	if last.Addr != target || last.Pointer != target {
		t.Fatalf("the path ends at %#x (pointer %#x), want %#x", last.Addr, last.Pointer, target)
	}
}

func TestPathFromGlobalMap(t *testing.T) {
	obj := newLeaked(1)
	searchRegistry["conn"] = obj
	t.Cleanup(func() { delete(searchRegistry, "conn") })
	p := pathsTo(t, SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	if p.Root.Kind != RootGlobal || p.Root.Slot != addrOf(&searchRegistry) || p.Root.Global.Segment != ".bss" {
		t.Fatalf("root %+v, want the global searchRegistry at %#x", p.Root, addrOf(&searchRegistry))
	}
	header := *(*uint64)(unsafe.Pointer(&searchRegistry))
	if len(p.Steps) < 2 || p.Steps[0].Pointer != header {
		t.Errorf("the path goes through %d objects from %#x, want the map's header %#x first", len(p.Steps), p.Steps[0].Pointer, header)
	}
	if p.Root.Global.Name != "" || p.Root.Global.Unnamed != noSymbolTable {
		t.Errorf("global named %q (%s) without a symbol table", p.Root.Global.Name, p.Root.Global.Unnamed)
	}
	runtime.KeepAlive(obj)
}

func TestPathThroughStructsAndSlices(t *testing.T) {
	obj := newLeaked(2)
	middle := &deepMiddle{items: []*leaked{nil, obj}}
	searchDeep = &deepOuter{name: "outer", inner: []*deepMiddle{middle}}
	t.Cleanup(func() { searchDeep = nil })
	p := pathsTo(t, SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	ptr := unsafe.Sizeof(obj)
	want := []Step{
		{Addr: addrOf(searchDeep), Size: sizeClass(unsafe.Sizeof(*searchDeep)), Pointer: addrOf(searchDeep)},
		{Addr: addrOf(&searchDeep.inner[0]), Size: sizeClass(ptr), Pointer: addrOf(&searchDeep.inner[0]), Field: uint64(unsafe.Offsetof(searchDeep.inner))},
		{Addr: addrOf(middle), Size: sizeClass(unsafe.Sizeof(*middle)), Pointer: addrOf(middle), Field: 0},
		{Addr: addrOf(&middle.items[0]), Size: sizeClass(2 * ptr), Pointer: addrOf(&middle.items[0]), Field: 0},
		{Addr: addrOf(obj), Size: sizeClass(unsafe.Sizeof(*obj)), Pointer: addrOf(obj), Field: uint64(ptr)},
	}
	if p.Root.Slot != addrOf(&searchDeep) || len(p.Steps) != len(want) {
		t.Fatalf("root at %#x with %d steps, want searchDeep at %#x with %d", p.Root.Slot, len(p.Steps), addrOf(&searchDeep), len(want))
	}
	for i := range want {
		if p.Steps[i] != want[i] {
			t.Errorf("step %d: %+v, want %+v", i, p.Steps[i], want[i])
		}
	}
	runtime.KeepAlive(obj)
}

func TestPathThroughCycle(t *testing.T) {
	obj := newLeaked(3)
	a, b := &cycleNode{}, &cycleNode{held: obj}
	a.next, b.next = b, a
	searchCycle = a
	t.Cleanup(func() { searchCycle = nil })
	p := pathsTo(t, SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	held := uint64(unsafe.Offsetof(b.held))
	if p.Root.Slot != addrOf(&searchCycle) || len(p.Steps) != 3 || p.Steps[0].Addr != addrOf(a) || p.Steps[1].Addr != addrOf(b) || p.Steps[2].Field != held {
		t.Errorf("root at %#x, steps %+v; want searchCycle -> a -> b -> obj (field +%d)", p.Root.Slot, p.Steps, held)
	}
	runtime.KeepAlive(obj)
}

func TestPathThroughSyncMap(t *testing.T) {
	obj := newLeaked(4)
	searchSync.Store("conn", obj)
	t.Cleanup(func() { searchSync.Delete("conn") })
	p := pathsTo(t, SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	if slot := p.Root.Slot; p.Root.Kind != RootGlobal || slot < addrOf(&searchSync) || slot >= addrOf(&searchSync)+uint64(unsafe.Sizeof(searchSync)) {
		t.Errorf("root %+v, want a slot inside searchSync at %#x", p.Root, addrOf(&searchSync))
	}
	runtime.KeepAlive(obj)
}

// holdUntil keeps obj in its frame until stop is closed.
//
//go:noinline
func holdUntil(obj *leaked, stop chan struct{}) {
	<-stop
	runtime.KeepAlive(obj)
}

// waitBlocked returns once a goroutine is blocked in fn for reason,
// as runtime.Stack shows it.
func waitBlocked(fn, reason string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "["+reason) && strings.Contains(g, "."+fn+"(") {
				return
			}
		}
		runtime.Gosched()
	}
}

func TestPathFromBlockedGoroutine(t *testing.T) {
	obj := newLeaked(5)
	stop := make(chan struct{})
	var done sync.WaitGroup
	done.Go(func() { holdUntil(obj, stop) })
	t.Cleanup(func() { close(stop); done.Wait() })
	waitBlocked("holdUntil", "chan receive")

	p := pathsTo(t, SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	g := p.Root.Goroutine
	if p.Root.Kind != RootGoroutine || g == nil {
		t.Fatalf("root %+v, want a goroutine", p.Root)
	}
	if g.Status != "chan receive" || g.System || g.WroteDump || g.Holder != "stack frame" || !strings.HasSuffix(g.Top, ".holdUntil") {
		t.Errorf("goroutine %+v, want the one blocked in holdUntil", *g)
	}
	if !strings.HasSuffix(g.TopFile, "search_test.go") || g.TopLine == 0 {
		t.Errorf("top frame at %s:%d, want search_test.go", g.TopFile, g.TopLine)
	}
	if len(p.Steps) != 1 {
		t.Errorf("%d steps, want the object alone: the frame holds it", len(p.Steps))
	}
	text := p.RootText()
	if !strings.Contains(text, "[chan receive] heapdump.") || !strings.Contains(text, "(heapdump/search_test.go:") {
		t.Errorf("text\n%s\nlacks the goroutine's state, function and position", text)
	}
	runtime.KeepAlive(obj)
}

func TestPathFromTimerClosure(t *testing.T) {
	obj := newLeaked(6)
	var fired bool
	timer := time.AfterFunc(time.Hour, func() { fired = obj != nil })
	t.Cleanup(func() { timer.Stop() })
	p := pathsTo(t, SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	// The runtime keeps timers in its processors' heaps, which a global
	// of the runtime holds.
	if p.Root.Kind != RootGlobal || len(p.Steps) < 3 {
		t.Errorf("root %v with %d steps, want a global of the runtime and its timers", p.Root.Kind, len(p.Steps))
	}
	runtime.KeepAlive(obj)
	_ = fired
}

func TestSharedHolder(t *testing.T) {
	a, b := newLeaked(7), newLeaked(8)
	// A new map each time: one that grew would spread the objects.
	searchShared = map[int]*leaked{1: a, 2: b}
	t.Cleanup(func() { searchShared = nil })
	paths := pathsTo(t, SearchOptions{}, addrOf(a), addrOf(b))
	checkEnds(t, paths[0], addrOf(a))
	checkEnds(t, paths[1], addrOf(b))
	n := SharedSteps(paths[0], paths[1])
	if n == 0 || n != len(paths[0].Steps)-1 || n != len(paths[1].Steps)-1 {
		t.Errorf("the paths share %d steps of %d and %d: want all but the targets", n, len(paths[0].Steps), len(paths[1].Steps))
	}
	if SharedSteps(paths[0], Path{Root: Root{Kind: RootGlobal, Slot: 1}, Steps: paths[0].Steps}) != 0 {
		t.Error("paths with different roots share steps")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}

func TestOnlyTheWriterHoldsIt(t *testing.T) {
	obj := newLeaked(9)
	p := pathsTo(t, SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	if g := p.Root.Goroutine; g == nil || !g.WroteDump {
		t.Errorf("root %+v, want the goroutine that wrote the dump", p.Root)
	}
	runtime.KeepAlive(obj)
}

func TestTargetOutsideTheHeap(t *testing.T) {
	p := pathsTo(t, SearchOptions{}, addrOf(&searchRegistry))[0]
	if p.Found() || len(p.Steps) != 0 {
		t.Errorf("path %+v to a global's address, want none", p)
	}
	if !strings.Contains(p.RootText(), "in no heap object") {
		t.Errorf("text %q", p.RootText())
	}
}

// finalized holds an object and has a finalizer.
type finalized struct {
	name string
	held *leaked
}

// dropFinalized makes an object with a finalizer that holds obj, and
// drops it: only its finalizer keeps obj then.
//
//go:noinline
func dropFinalized(obj *leaked) uint64 {
	f := &finalized{name: "f", held: obj}
	runtime.SetFinalizer(f, func(*finalized) {})
	return addrOf(f)
}

func TestPathFromFinalizer(t *testing.T) {
	// Without collections (SetGCPercent waits for one that runs) the
	// finalizer stays set and its object unfreed.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	obj := newLeaked(10)
	holder := dropFinalized(obj)
	p := pathsIn(t, writeDumpAsIs(t), SearchOptions{}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	f := p.Root.Finalizer
	field := uint64(unsafe.Offsetof(finalized{}.held))
	if p.Root.Kind != RootFinalizer || f.Holder != "field" || f.Object != holder || f.Field != field || f.ObjectSize != sizeClass(unsafe.Sizeof(finalized{})) || p.Root.Slot != holder+field {
		t.Fatalf("root %+v %+v, want the finalizer of the object at %#x, by its field +%d", p.Root, f, holder, field)
	}
	if !strings.Contains(f.Func, "TestPathFromFinalizer") && !strings.Contains(f.Func, "dropFinalized") {
		t.Errorf("finalizer function %q, want the one set in dropFinalized", f.Func)
	}
	runtime.KeepAlive(obj)
}

// searchFramework stands for a framework's variable, as Ginkgo's global
// suite holds the closures of its spec tree.
var searchFramework []*leaked

func TestFrameworkRootsComeAfterAllOthers(t *testing.T) {
	only, both := newLeaked(20), newLeaked(21)
	searchFramework = []*leaked{only, both}
	searchRegistry["both"] = both
	t.Cleanup(func() { searchFramework = nil; delete(searchRegistry, "both") })
	fw := uint64(uintptr(unsafe.Pointer(&searchFramework)))
	opts := SearchOptions{FrameworkVariables: [][2]uint64{{fw, fw + uint64(unsafe.Sizeof(searchFramework))}}}

	paths := pathsTo(t, opts, addrOf(only), addrOf(both))
	checkEnds(t, paths[0], addrOf(only))
	if !paths[0].Framework || paths[0].Root.Slot != fw {
		t.Errorf("the object only the framework holds: Framework %v, root at %#x; want true, the framework's variable at %#x", paths[0].Framework, paths[0].Root.Slot, fw)
	}
	checkEnds(t, paths[1], addrOf(both))
	if paths[1].Framework || paths[1].Root.Slot != addrOf(&searchRegistry) {
		t.Errorf("the object a registry holds too: Framework %v, root at %#x; want false, searchRegistry at %#x", paths[1].Framework, paths[1].Root.Slot, addrOf(&searchRegistry))
	}
	// Without the option, the framework's variable is a root like any.
	if p := pathsTo(t, SearchOptions{}, addrOf(only))[0]; p.Framework || p.Root.Slot != fw {
		t.Errorf("without FrameworkVariables: Framework %v, root at %#x; want false, %#x", p.Framework, p.Root.Slot, fw)
	}
	runtime.KeepAlive(only)
	runtime.KeepAlive(both)
}

func TestFrameworkFramesComeAfterAllOthers(t *testing.T) {
	only, both := newLeaked(22), newLeaked(23)
	searchRegistry["both"] = both
	stop := make(chan struct{})
	var done sync.WaitGroup
	done.Go(func() { holdUntil(only, stop) })
	done.Go(func() { holdUntil(both, stop) })
	t.Cleanup(func() { close(stop); done.Wait(); delete(searchRegistry, "both") })
	waitBlocked("holdUntil", "chan receive")

	// This package is the framework: its frames are the framework's, and
	// without a symbol table, none of its variables.
	opts := SearchOptions{Framework: []string{"github.com/objtrack/objtrack/internal/heapdump"}}
	paths := pathsTo(t, opts, addrOf(only), addrOf(both))
	checkEnds(t, paths[0], addrOf(only))
	if g := paths[0].Root.Goroutine; !paths[0].Framework || g == nil || !strings.HasPrefix(g.Func, "github.com/objtrack/objtrack/internal/heapdump.") {
		t.Errorf("the object only a frame of the framework holds: Framework %v, root %+v; want true, a frame of this package", paths[0].Framework, paths[0].Root)
	}
	checkEnds(t, paths[1], addrOf(both))
	if paths[1].Framework || paths[1].Root.Slot != addrOf(&searchRegistry) {
		t.Errorf("the object a registry holds too: Framework %v, root %+v; want false, searchRegistry", paths[1].Framework, paths[1].Root)
	}
	runtime.KeepAlive(only)
	runtime.KeepAlive(both)
}
