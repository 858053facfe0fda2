package heapdump

import "github.com/objtrack/objtrack/internal/heapdump/gotypes"

// Path is why an object is alive: the root that holds the first pointer,
// then each object on the way to the target, the last step.
//
// Paths come from one breadth-first search, so that targets kept by the
// same holder have the same Root and their Steps share a prefix up to
// the holder: [SharedSteps] says how many.
type Path struct {
	// Target is the address the path was asked for.
	Target uint64
	// Root holds the first pointer. Its Kind is RootNone when no root
	// that the dump lists reaches the target.
	Root Root
	// Steps are the objects from the one the root points to, to the one
	// that contains Target. Empty when Target is in no heap object of
	// the dump; only the target's object when no root reaches it.
	Steps []Step
	// Framework is true when only roots of SearchOptions.Framework (and
	// the frames of the goroutine that wrote the dump, or a scan of the
	// stacks) reach the target, and Root is one of the framework's.
	Framework bool
	// Typed is the number of leading Steps that the root's text goes on
	// through, as a Go expression (Expr, after the root's Selector) that
	// names the field or element of each that holds the next pointer;
	// they are not listed by size (typed.go). TypedAs is the type of the
	// expression: a pointer to the target's type when Typed covers every
	// step but the target. A caller that finds it is not may drop the
	// expression (Untyped).
	Typed   int
	Expr    string
	TypedAs string
	// TypeStop says, when the expression stops before the target, why the
	// first step it does not cover has no type ("type unknown: reached
	// through an unsafe.Pointer...").
	TypeStop string
	// Closures are the steps after Typed that are closures, named by the
	// captured variable that holds the next pointer (closures.go), in
	// the order of Steps.
	Closures []Closure
}

// Untyped returns p without the expression that goes through its steps.
func (p Path) Untyped() Path {
	p.Typed, p.Expr, p.TypedAs, p.TypeStop = 0, "", "", ""
	return p
}

// Found reports whether a root reaches the target.
func (p Path) Found() bool { return p.Root.Kind != RootNone }

// Step is an object on a Path.
type Step struct {
	Addr uint64 // where the object starts
	Size uint64 // its size, as the allocator rounded it
	// Pointer is the pointer that leads to the object: Addr, or an
	// address inside it (a field, an element).
	Pointer uint64
	// Field is the offset, inside the previous step's object, of the
	// word that holds Pointer. For the first step Pointer is in the
	// root, at Root.Slot.
	Field uint64
}

// SharedSteps returns the number of leading steps two paths share: the
// objects through which one holder keeps both targets. It is 0 for paths
// with different roots.
func SharedSteps(a, b Path) int {
	if !a.Found() || !b.Found() || a.Root.Kind != b.Root.Kind || a.Root.Slot != b.Root.Slot || a.Root.source != b.Root.source {
		return 0
	}
	n := 0
	for n < len(a.Steps) && n < len(b.Steps) && a.Steps[n].Addr == b.Steps[n].Addr {
		n++
	}
	return n
}

// RootKind says what holds the first pointer of a path.
type RootKind uint8

const (
	// RootNone: no root that the dump lists reaches the target. The
	// runtime keeps a few roots out of dumps: cleanups (runtime.AddCleanup)
	// and the variables of plugins.
	RootNone RootKind = iota
	// RootGlobal: a package-level variable, in the data or bss segment.
	RootGlobal
	// RootGoroutine: a goroutine, by a stack frame, its closure context,
	// a deferred call or a panic value.
	RootGoroutine
	// RootFinalizer: a finalizer, by its function or by the object it
	// will receive, whose own pointers it keeps alive.
	RootFinalizer
	// RootOther: another root of the runtime that the dump describes.
	RootOther
	// RootTimer: a pending timer in the runtime's timer heaps, by its
	// function (time.AfterFunc, a context's deadline). The path's Steps
	// start at what the function refers to.
	RootTimer
)

// String names the kind as Text shows it: "global", "goroutine"...
func (k RootKind) String() string {
	switch k {
	case RootGlobal:
		return "global"
	case RootGoroutine:
		return "goroutine"
	case RootFinalizer:
		return "finalizer"
	case RootOther:
		return "runtime"
	case RootTimer:
		return "timer"
	}
	return "none"
}

// Root is what holds the first pointer of a path. One of Global,
// Goroutine, Finalizer and Timer is set, as Kind says; RootOther has
// Other.
type Root struct {
	Kind RootKind
	// Slot is the address of the pointer: in a segment, in a stack frame,
	// or inside a finalizer's object. It is 0 for pointers that the dump
	// gives without their address: a goroutine's closure context, its
	// deferred calls and panics, a finalizer's function, other roots.
	// For a timer it is the address of the timer's function (its
	// closure), which holds the pointer.
	Slot      uint64
	Global    *GlobalRoot
	Goroutine *GoroutineRoot
	Finalizer *FinalizerRoot
	Timer     *TimerRoot
	Other     string // the runtime's description of another root

	source uint32 // the root source, to tell roots without a slot apart
}

// GlobalRoot is a pointer in the data or bss segment.
type GlobalRoot struct {
	Segment string // ".data" or ".bss"
	Offset  uint64 // of Root.Slot from the start of the segment
	// Name is the package-level variable that holds the pointer:
	// "example.com/db.registry". Empty when it cannot be named; Unnamed
	// says why.
	Name string
	// NameOffset is the offset of the pointer in the variable, or when
	// Static, in the static value the variable points to.
	NameOffset uint64
	// Static is true when the pointer is in data the compiler laid out
	// for the variable's initial value (var x = &T{...}) and Name is the
	// variable that points to that data.
	Static bool
	// Selector names the pointer inside the variable, as Go writes it
	// (".conns", "[3].c", "" for the variable itself), when Typed: the
	// executable's DWARF gave the variable's type (gotypes).
	Selector string
	Typed    bool
	Unnamed  string

	word gotypes.Word // the word that holds the pointer, when Typed
}

// GoroutineRoot is a goroutine holding a pointer.
type GoroutineRoot struct {
	ID uint64
	// Status is the wait reason ("chan receive"), or the state for a
	// goroutine that was not waiting ("runnable").
	Status string
	System bool // a goroutine of the runtime
	// WroteDump is true for the goroutine that wrote the dump. Its frames
	// are searched last: they show what the writer held, rarely why an
	// object leaked.
	WroteDump bool
	// Holder is what of the goroutine holds the pointer: "stack frame",
	// "closure context", "deferred call" or "panic value".
	Holder string
	// Func, PC and Depth are the frame that holds the pointer, when
	// Holder is "stack frame"; Depth is -1 otherwise. PC is a return
	// address unless Depth is 0.
	Func  string
	PC    uint64
	Depth int
	// File and Line are Func's position at PC, when the dump was written
	// by this process; empty otherwise.
	File string
	Line int
	// Top is the innermost frame outside the runtime and the standard
	// library's synchronization (runtime, internal/..., sync): the code
	// the goroutine is blocked in; empty, with TopDepth -1, when every
	// frame is the runtime's. TopFile and TopLine as File and Line.
	Top      string
	TopPC    uint64
	TopDepth int
	TopFile  string
	TopLine  int
	// Scanned is true when the pointer is a word of the frame that the
	// frame's pointer map does not list, found by scanning the stack
	// because no listed root reaches the target: the value of a blocked
	// channel send, a closure kept by a deferred call.
	Scanned bool
	// Variable names the variable of the frame that holds the pointer,
	// when the executable's DWARF gives it (locals.go): "c". VarFunc is
	// the function whose variable it is: Func, or a function inlined
	// into it, or for an argument that the frame holds for the call it
	// made, the called function. VarFile and VarLine are where VarFunc
	// stands, VarDepth is the depth of its frame. Selector names the
	// pointer inside the variable (".conns", "" for the variable itself).
	// Captured is set for a variable captured by a closure laid out in
	// the frame (a deferred function literal): VarFunc is then the
	// function literal, and VarFile and VarLine where it is written.
	Variable string
	Captured bool
	// Sending is set when the pointer is in the value that the goroutine
	// is blocked sending on a channel, which the runtime keeps in the
	// sender's frame until a receiver takes it.
	Sending  bool
	VarFunc  string
	VarFile  string
	VarLine  int
	VarDepth int
	Selector string

	goroutine, frame int // indexes in the dump of the goroutine and its frame
}

// FinalizerRoot is a finalizer holding a pointer.
type FinalizerRoot struct {
	Object     uint64 // the object the finalizer is set on
	ObjectSize uint64 // its size; 0 when it is not a heap object of the dump
	FuncPC     uint64
	// Func names the finalizer function, when the dump was written by
	// this process.
	Func string
	// Queued is true for a finalizer queued to run: its object is then
	// kept too.
	Queued bool
	// Holder is "function" when the pointer is the finalizer's closure,
	// "object" when it is the object (queued finalizers), "field" when
	// it is in the object, at Field.
	Holder string
	Field  uint64
}
