package heapdump

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
)

// A function literal's closure is an object whose first word is the
// function's code and whose other words are the variables it captured,
// at the offsets the DWARF gives them (gotypes.ClosureLocal). A closure
// on a path, on the heap (a timer's function, a callback kept in a
// struct) or in a stack frame (a deferred closure that does not escape),
// is named by the function and the captured variable that holds the next
// pointer: "the closure db.Open.func1 (db/open.go:12), by its variable
// c". The function's code is not a pointer, so the dump's graph does not
// keep it: it is read from the process's memory, or from the frame's
// copy in the dump, and trusted only where it is a function's entry.

// Closure is a step of a path that is a closure, named by the captured
// variable that holds the pointer to the next step.
type Closure struct {
	// Step is the index of the closure in Path.Steps.
	Step int
	// Func is the function literal ("db.Open.func1"), File and Line
	// where it is written.
	Func string
	File string
	Line int
	// Method is true for a method value (x.M as a func value, whose
	// function the compiler writes: "db.(*Conn).Close-fm"), which holds
	// its receiver.
	Method bool
	// Offset is where, in the closure, the word that holds the next
	// step is.
	Offset uint64
	// Variable is the captured variable ("" where the DWARF names none
	// at Offset); Selector names the pointer in
	// it, and Expr goes on through the Typed steps after the closure
	// (after its variable's own memory, for a variable captured by
	// reference), as Path.Expr does from a root.
	Variable string
	Selector string
	Expr     string
	Typed    int
	TypedAs  string
	TypeStop string
}

// Text names the closure and its variable: "the closure db.Open.func1
// (db/open.go:12), by its variable c.conns[0]".
func (c Closure) Text() string {
	if c.Method {
		return fmt.Sprintf("the method value %s, by its receiver", shortName(strings.TrimSuffix(c.Func, "-fm")))
	}
	if c.Variable == "" {
		return fmt.Sprintf("the closure %s, by the captured word at +%d, %s", frameText(c.Func, c.File, c.Line), c.Offset, unnamedCapture)
	}
	return fmt.Sprintf("the closure %s, by its variable %s%s%s", frameText(c.Func, c.File, c.Line), c.Variable, c.Selector, c.Expr)
}

// unnamedCapture says why a closure's captured word has no name: the
// compiler describes only the captured variables that the function's
// code reads (one written to and never read, or kept only for _ = v,
// has no DWARF entry).
const unnamedCapture = "which the DWARF does not name (the compiler keeps no description of a captured variable the code does not read)"

// ExprSteps returns the closure and its variable's expression as data.
func (c Closure) ExprSteps() []ExprStep {
	if c.Method {
		return []ExprStep{{Kind: "method", Func: shortName(strings.TrimSuffix(c.Func, "-fm"))}}
	}
	closure := ExprStep{Kind: "closure", Func: shortName(c.Func), Position: shortPosition(c.File, c.Line)}
	if c.Variable == "" {
		return []ExprStep{closure, {Kind: "text", Name: fmt.Sprintf("the captured word at +%d, %s", c.Offset, unnamedCapture)}}
	}
	steps := []ExprStep{closure, {Kind: "variable", Name: c.Variable, Func: shortName(c.Func)}}
	return append(steps, parseExpr(c.Selector+c.Expr)...)
}

// closureFunc returns the function of a closure whose first word is
// code, when it is the entry of a function of this process.
func (t *typer) closureFunc(code uint64) (*runtime.Func, bool) {
	if t.types == nil || !t.g.writtenHere() {
		return nil, false
	}
	f := runtime.FuncForPC(uintptr(code))
	if f == nil || uint64(f.Entry()) != code {
		return nil, false
	}
	return f, true
}

// isFuncLiteral reports whether name is a function literal's as the
// compiler names them ("db.Open.func1", "db.init.func2.1"): a heap object
// whose first word is such a function's entry is its closure.
func isFuncLiteral(name string) bool {
	i := strings.LastIndex(name, ".func")
	if i < 0 {
		return false
	}
	rest := strings.TrimLeft(name[i+len(".func"):], "0123456789.")
	return rest == "" && len(name) > i+len(".func")
}

// closureLocal returns the variable that a closure whose first word is
// code captures at byte offset off, and the function literal.
func (t *typer) closureLocal(code uint64, off int64) (gotypes.Local, *runtime.Func, bool) {
	f, ok := t.closureFunc(code)
	if !ok {
		return gotypes.Local{}, nil, false
	}
	l, ok := t.types.ClosureLocal(code, off, f.Name())
	return l, f, ok
}

// nameClosures names the closures among the steps of p that its
// expressions do not go through, but the target.
func (t *typer) nameClosures(p *Path) {
	if t.mem == nil || t.types == nil {
		return
	}
	ptr := t.g.roots.Params.PtrSize
	order := byteOrder(t.g.roots.Params)
	for i := p.Typed; i+1 < len(p.Steps); i++ {
		st, next := p.Steps[i], p.Steps[i+1]
		if st.Pointer != st.Addr || next.Field == 0 {
			continue
		}
		code, ok1 := t.mem.read(st.Addr, ptr)
		held, ok2 := t.mem.read(st.Addr+next.Field, ptr)
		if !ok1 || !ok2 || readWord(held, ptr, order) != next.Pointer {
			continue
		}
		l, f, ok := t.closureLocal(readWord(code, ptr, order), int64(next.Field))
		if !ok && f != nil && strings.HasSuffix(f.Name(), "-fm") && next.Field == uint64(ptr) {
			// A method value: its one word after the code is the
			// receiver (or a pointer to it).
			p.Closures = append(p.Closures, Closure{Step: i, Func: f.Name(), Method: true, Offset: next.Field})
			continue
		}
		if !ok && (f == nil || !isFuncLiteral(f.Name())) {
			continue
		}
		c := Closure{Step: i, Func: f.Name(), Offset: next.Field, Variable: l.Name}
		c.File, c.Line = f.FileLine(f.Entry())
		rest := Path{Steps: p.Steps[i+1:]}
		if !ok {
			// A function literal's closure, whose word at next.Field
			// the DWARF does not describe.
			p.Closures = append(p.Closures, c)
			continue
		}
		if sel, ok := rest.typeVariable(t, l, st.Addr+next.Field); ok {
			c.Selector, c.Expr, c.Typed, c.TypedAs, c.TypeStop = sel, rest.Expr, rest.Typed, rest.TypedAs, rest.TypeStop
		}
		p.Closures = append(p.Closures, c)
		i += c.Typed
	}
}

// stackClosureLocal finds, for a word at slot of frame f that no
// variable of the frame's function holds, a closure laid out in the
// frame whose captured variable holds the same pointer, value: the one
// whose variable is that word, else one that holds a copy of it (a frame
// may keep a stale copy of what it stored in a closure). A closure is a
// word of the frame that is the entry of a function literal, followed,
// within maxClosureWords, by its variables.
func (t *typer) stackClosureLocal(f *Frame, slot, value uint64) (gotypes.Local, *runtime.Func, bool) {
	ptr := t.g.roots.Params.PtrSize
	order := byteOrder(t.g.roots.Params)
	word := func(i int) uint64 { return readWord(f.Contents[i*ptr:], ptr, order) }
	n := len(f.Contents) / ptr
	var copyOf gotypes.Local
	var copyFn *runtime.Func
	for i := range n {
		if _, ok := t.closureFunc(word(i)); !ok {
			continue
		}
		for k := 1; k <= maxClosureWords && i+k < n; k++ {
			if word(i+k) != value {
				continue
			}
			l, fn, ok := t.closureLocal(word(i), int64(k*ptr))
			switch {
			case !ok:
			case f.SP+uint64((i+k)*ptr) == slot:
				return l, fn, true
			case copyFn == nil:
				copyOf, copyFn = l, fn
			}
		}
	}
	return copyOf, copyFn, copyFn != nil
}

// maxClosureWords bounds how far below a word stackClosureLocal looks
// for the start of its closure.
const maxClosureWords = 16
