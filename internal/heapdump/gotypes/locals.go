package gotypes

import (
	"debug/dwarf"
	"strings"
)

// A stack frame's words and a closure's are named by the variables of
// the function they belong to. The compiler describes each function (a
// DW_TAG_subprogram at its entry pc) with its parameters and variables:
// where each is at every pc (a location expression, or a list of them by
// pc range, relative to the frame's canonical frame address), and for a
// closure's captured variables their offset in the closure
// (DW_AT_go_closure_offset). A call inlined into the function is a
// DW_TAG_inlined_subroutine over the pcs of its body, with the inlined
// function's variables: a word there is named as the variable of the
// function the programmer wrote, not of the one it was inlined into.

// Local is a variable of a function that holds a word of a stack frame
// or of a closure.
type Local struct {
	// Name is the variable's name in the source. A variable that lives
	// on the heap (it escapes, or a closure captures it by reference)
	// is held by a pointer to it: Name is then the variable's, and
	// ByReference is set.
	Name        string
	ByReference bool
	// Func is the function whose variable it is: for the variable of a
	// call inlined into the frame's function, the inlined function.
	Func string
	// Type is the variable's type; with ByReference, a pointer to it.
	Type dwarf.Type
	// Offset is that of the word in the variable's value (in the
	// pointer's, with ByReference: 0); -1 where the DWARF does not say
	// which of the variable's pointers the word is: the compiler places
	// a variable of several words that has one of them in the frame as
	// if the whole value were there.
	Offset int64
	// Param is set for a function's parameter.
	Param bool
}

// function is what the DWARF says of one function: its variables.
type function struct {
	name string
	ok   bool // its frame base is the canonical frame address, and its variables are read
	vars []local
}

// local is one variable of a function.
type local struct {
	name    string
	typ     dwarf.Offset
	param   bool
	expr    []byte // its location, when one expression gives it for every pc
	list    int64  // else the offset of its location list; -1 for none
	closure int64  // its offset in the function's closure; 0 for a variable not captured
	fn      string // the function it belongs to
	depth   int    // of the inlined calls and blocks it is in: the innermost wins
	scope   [][2]uint64
	list5   locationList
}

// funcEntry is where a function's entry is in the DWARF.
type funcEntry struct {
	off      dwarf.Offset
	addrBase int64 // its compile unit's offset into .debug_addr
}

// SetSections gives the sections that the locations of functions'
// variables need; without them a variable placed by a location list
// (most of an optimized build's) is not found.
func (t *Types) SetSections(s Sections) { t.sections = &s }

// StackLocal returns the variable of the function whose entry is entry
// that, at pc, holds the frame word at offset off from the frame's
// canonical frame address (negative for the function's own frame,
// positive for its arguments in its caller's). name must be the
// function's: a DWARF that is not that of the process that ran the
// function names nothing.
//
// With returned, pc is a return address: the frame waits for the call
// before it. The call is in the scope of the code it is written in, and
// where the variables are is read both after it, where the frame goes on
// (the compiler places a variable kept in the frame across the call there,
// and in a register before it), and at the call.
func (t *Types) StackLocal(entry, pc uint64, returned bool, off int64, name string) (Local, bool) {
	fn := t.function(entry)
	if fn == nil || !fn.ok || !sameName(fn.name, name) {
		return Local{}, false
	}
	scopePC, pcs := pc, []uint64{pc}
	if returned && pc > entry {
		scopePC, pcs = pc-1, []uint64{pc, pc - 1}
	}
	var best *local
	var bestOff int64
	for i := range fn.vars {
		v := &fn.vars[i]
		if !inScope(v.scope, scopePC) || (best != nil && v.depth <= best.depth) {
			continue
		}
		typ, err := t.typeAt(v.typ)
		if err != nil {
			continue
		}
		for _, pc := range pcs {
			ps, ok := t.placement(v, pc)
			if !ok {
				continue
			}
			if at, ok := offsetIn(ps, off, typ.Size()); ok {
				best, bestOff = v, at
				if len(ps) == 1 && ps[0].Size == 0 && pointerWords(typ, 0) > 1 {
					bestOff = -1
				}
				break
			}
		}
	}
	if best == nil {
		return Local{}, false
	}
	return t.local(best, bestOff)
}

// placement returns the pieces of variable v at pc.
func (t *Types) placement(v *local, pc uint64) ([]piece, bool) {
	expr := v.expr
	if v.list >= 0 {
		var ok bool
		if expr, ok = v.list5.at(v.list, pc); !ok {
			return nil, false
		}
	}
	return pieces(expr, t.ptrSize())
}

// ClosureLocal returns the variable that closures of the function whose
// entry is entry capture at byte offset off of the closure (the
// function's pointer is at 0).
func (t *Types) ClosureLocal(entry uint64, off int64, name string) (Local, bool) {
	fn := t.function(entry)
	if fn == nil || !sameName(fn.name, name) || off <= 0 {
		return Local{}, false
	}
	for i := range fn.vars {
		v := &fn.vars[i]
		if v.closure == 0 || v.depth != 0 {
			continue
		}
		typ, err := t.typeAt(v.typ)
		if err != nil || typ.Size() <= 0 {
			continue
		}
		if off >= v.closure && off < v.closure+typ.Size() {
			return t.local(v, off-v.closure)
		}
	}
	return Local{}, false
}

// FuncAt returns the name of the function whose entry is entry.
func (t *Types) FuncAt(entry uint64) (string, bool) {
	fn := t.function(entry)
	if fn == nil {
		return "", false
	}
	return fn.name, true
}

func (t *Types) local(v *local, off int64) (Local, bool) {
	typ, err := t.typeAt(v.typ)
	if err != nil {
		return Local{}, false
	}
	l := Local{Name: v.name, Func: v.fn, Type: typ, Offset: off, Param: v.param}
	if name, ok := strings.CutPrefix(v.name, "&"); ok {
		l.Name, l.ByReference = name, true
	}
	return l, true
}

// sameName reports whether two spellings of a function's name are the
// same function: the runtime writes a generic function's type arguments
// as DWARF does not always ("[...]", "[go.shape.int]").
func sameName(a, b string) bool {
	cut := func(s string) string {
		if i := strings.IndexByte(s, '['); i >= 0 {
			return s[:i]
		}
		return s
	}
	return a == b || cut(a) == cut(b)
}

// pointerWords counts the words of a value of type typ that may hold a
// pointer, up to 2, with n counted so far.
func pointerWords(typ dwarf.Type, n int) int {
	switch t := underlying(typ).(type) {
	case *dwarf.StructType:
		switch shape(t) {
		case shapeSlice, shapeString, shapeInterface:
			return n + 1
		}
		for _, f := range t.Field {
			if n = pointerWords(f.Type, n); n > 1 {
				return n
			}
		}
		return n
	case *dwarf.ArrayType:
		for i := int64(0); i < t.Count && n <= 1; i++ {
			n = pointerWords(t.Type, n)
		}
		return n
	case *dwarf.PtrType, *dwarf.FuncType, *dwarf.UnspecifiedType:
		return n + 1
	case *dwarf.IntType, *dwarf.UintType, *dwarf.FloatType, *dwarf.BoolType, *dwarf.ComplexType, *dwarf.CharType, *dwarf.UcharType:
		return n
	}
	return n + 1 // what it cannot tell may be a pointer
}

func (t *Types) ptrSize() int {
	if t.sections != nil && t.sections.PtrSize > 0 {
		return t.sections.PtrSize
	}
	return 8
}

func inScope(scope [][2]uint64, pc uint64) bool {
	if scope == nil {
		return true
	}
	for _, r := range scope {
		if pc >= r[0] && pc < r[1] {
			return true
		}
	}
	return false
}

// function reads, once, the function whose entry is entry.
func (t *Types) function(entry uint64) *function {
	t.once.Do(t.index)
	fe, ok := t.funcs[entry]
	if !ok {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if fn, ok := t.read[entry]; ok {
		return fn
	}
	fn := t.readFunction(fe, entry)
	if t.read == nil {
		t.read = map[uint64]*function{}
	}
	t.read[entry] = fn
	return fn
}

// readFunction reads the variables of the function at fe, with t.mu
// held.
func (t *Types) readFunction(fe funcEntry, entry uint64) *function {
	r := t.data.Reader()
	r.Seek(fe.off)
	e, err := r.Next()
	if err != nil || e == nil || e.Tag != dwarf.TagSubprogram {
		return nil
	}
	fn := &function{name: t.nameOf(e)}
	base, _ := e.Val(dwarf.AttrFrameBase).([]byte)
	fn.ok = len(base) == 1 && base[0] == opCallFrameCFA
	if !e.Children || !fn.ok {
		return fn
	}
	list := locationList{addrBase: fe.addrBase, low: entry}
	if t.sections != nil {
		list.sec = t.sections
	} else {
		list.sec = &Sections{}
	}
	type scope struct {
		fn     string
		ranges [][2]uint64
		depth  int
	}
	scopes := []scope{{fn: fn.name}}
	for len(scopes) > 0 {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		cur := scopes[len(scopes)-1]
		switch e.Tag {
		case 0:
			scopes = scopes[:len(scopes)-1]
			continue
		case dwarf.TagVariable, dwarf.TagFormalParameter:
			if v, ok := t.readLocal(e, list); ok {
				v.fn, v.scope, v.depth = cur.fn, cur.ranges, cur.depth
				v.param = e.Tag == dwarf.TagFormalParameter
				fn.vars = append(fn.vars, v)
			}
		case dwarf.TagInlinedSubroutine, dwarf.TagLexDwarfBlock:
			if !e.Children {
				continue
			}
			next := scope{fn: cur.fn, depth: cur.depth + 1, ranges: [][2]uint64{}}
			if rs, err := t.data.Ranges(e); err == nil {
				for _, rg := range rs {
					next.ranges = append(next.ranges, [2]uint64{rg[0], rg[1]})
				}
			}
			if e.Tag == dwarf.TagInlinedSubroutine {
				if name := t.nameOf(e); name != "" {
					next.fn = name
				}
			}
			scopes = append(scopes, next)
			continue
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	return fn
}

// readLocal reads a variable's entry: its name and type are its
// abstract origin's for a variable of an inlined call.
func (t *Types) readLocal(e *dwarf.Entry, list locationList) (local, bool) {
	v := local{list: -1, list5: list}
	origin := e
	if off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
		if origin = t.entryAt(off); origin == nil {
			return local{}, false
		}
	}
	v.name, _ = origin.Val(dwarf.AttrName).(string)
	typ, ok := origin.Val(dwarf.AttrType).(dwarf.Offset)
	if !ok || v.name == "" || strings.HasPrefix(v.name, "~") || strings.HasPrefix(v.name, ".") {
		return local{}, false
	}
	v.typ = typ
	if c, ok := e.Val(attrGoClosureOffset).(int64); ok {
		v.closure = c
	} else if c, ok := origin.Val(attrGoClosureOffset).(int64); ok {
		v.closure = c
	}
	switch f := e.AttrField(dwarf.AttrLocation); {
	case f == nil:
	case f.Class == dwarf.ClassExprLoc:
		v.expr, _ = f.Val.([]byte)
	case f.Class == dwarf.ClassLocListPtr:
		if off, ok := f.Val.(int64); ok {
			v.list = off
		}
	}
	return v, true
}

// attrGoClosureOffset is Go's DW_AT_go_closure_offset.
const attrGoClosureOffset dwarf.Attr = 0x2907

// nameOf returns the name of an entry, or of its abstract origin.
func (t *Types) nameOf(e *dwarf.Entry) string {
	if name, ok := e.Val(dwarf.AttrName).(string); ok {
		return name
	}
	if off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
		if o := t.entryAt(off); o != nil {
			name, _ := o.Val(dwarf.AttrName).(string)
			return name
		}
	}
	return ""
}

// entryAt reads the entry at off, with t.mu held.
func (t *Types) entryAt(off dwarf.Offset) *dwarf.Entry {
	if e, ok := t.origins[off]; ok {
		return e
	}
	r := t.data.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil {
		e = nil
	}
	if t.origins == nil {
		t.origins = map[dwarf.Offset]*dwarf.Entry{}
	}
	t.origins[off] = e
	return e
}
