// Package gotypes names the words of a Go program's memory by the types
// that the executable's DWARF gives them: the field, element or index of
// a package-level variable at a byte offset ("cache.conns", "pool[3].c"),
// and the type of the word found there, so that a retention path can
// read as the expression a programmer would write.
//
// The compiler describes every package-level variable (a DW_TAG_variable
// named "example.com/db.cache") and every type it uses, in Go's own
// spelling: structs, arrays, and the shapes behind slices, strings,
// interfaces and maps (a map is a pointer to a struct named
// "map<K,V>"). go build keeps DWARF by default; go test and go run link
// without it (-w), and package symbols rebuilds a test binary with it.
package gotypes

import (
	"debug/dwarf"
	"fmt"
	"strings"
	"sync"
)

// Types reads the DWARF of one executable. It indexes the package-level
// variables on first use. It is safe for concurrent use: verdicts that
// fail at once search one dump side by side.
type Types struct {
	// mu guards data: a dwarf.Data keeps a cache of the types it read, a
	// map that concurrent reads would write at once. The types it returns
	// are built whole, and only read after.
	mu   sync.Mutex
	data *dwarf.Data

	once      sync.Once
	variables map[string]dwarf.Offset // variable name -> the offset of its type's entry
	err       error

	typesOnce sync.Once
	types     map[string]dwarf.Offset // type name, full and short -> its entry, or ambiguous

	// funcs are the functions, by entry pc (indexed with variables);
	// read those whose variables were read, and origins the abstract
	// entries of inlined functions and their variables (both guarded
	// by mu). sections are those that locations need (SetSections).
	funcs    map[uint64]funcEntry
	read     map[uint64]*function
	origins  map[dwarf.Offset]*dwarf.Entry
	sections *Sections
}

// ByName returns the type of that name: as DWARF spells it, with full
// package paths ("*example.com/db.Conn"), or with package paths cut to
// their last element, as the runtime spells unnamed types ("*db.Conn");
// false if none has it, or several have the short name.
func (t *Types) ByName(name string) (dwarf.Type, bool) {
	t.typesOnce.Do(t.indexTypes)
	off, ok := t.types[name]
	if !ok {
		// The runtime writes an instance of a generic type with its
		// package's last element and its type arguments' full paths
		// ("db.Box[*example.com/db.Conn]"), in neither form.
		off, ok = t.types[shortNames(name)]
	}
	if !ok || off == ambiguous {
		return nil, false
	}
	typ, err := t.typeAt(off)
	return typ, err == nil
}

// typeAt reads the type whose entry is at off.
func (t *Types) typeAt(off dwarf.Offset) (dwarf.Type, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.data.Type(off)
}

// ambiguous marks a short name that several types have.
const ambiguous = ^dwarf.Offset(0)

// indexTypes reads the names of the types of the compile units.
func (t *Types) indexTypes() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.types = map[string]dwarf.Offset{}
	add := func(name string, off dwarf.Offset) {
		if prev, ok := t.types[name]; ok && prev != off {
			off = ambiguous
		}
		t.types[name] = off
	}
	r := t.data.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			return
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			continue
		case dwarf.TagTypedef, dwarf.TagStructType, dwarf.TagPointerType, dwarf.TagBaseType,
			dwarf.TagArrayType, dwarf.TagSubroutineType, dwarf.TagUnspecifiedType:
			if name, _ := e.Val(dwarf.AttrName).(string); name != "" {
				t.types[name] = e.Offset // a full name is the type's own
				if short := shortNames(name); short != name {
					add(short, e.Offset)
				}
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
}

// New returns the types that d describes.
func New(d *dwarf.Data) *Types { return &Types{data: d} }

// Variable returns the type of the package-level variable name
// ("example.com/db.cache").
func (t *Types) Variable(name string) (dwarf.Type, error) {
	t.once.Do(t.index)
	if t.err != nil {
		return nil, t.err
	}
	off, ok := t.variables[name]
	if !ok {
		return nil, fmt.Errorf("gotypes: the DWARF describes no variable %s", name)
	}
	typ, err := t.typeAt(off)
	if err != nil {
		return nil, fmt.Errorf("gotypes: the type of %s: %v", name, err)
	}
	return typ, nil
}

// index reads the package-level variables (the variables that are
// children of a compile unit, not of a function) and where each function
// is.
func (t *Types) index() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.variables = map[string]dwarf.Offset{}
	t.funcs = map[uint64]funcEntry{}
	var addrBase int64 // of the current compile unit
	r := t.data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			t.err = fmt.Errorf("gotypes: reading DWARF: %v", err)
			return
		}
		if e == nil {
			return
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			addrBase, _ = e.Val(dwarf.AttrAddrBase).(int64)
			continue // its children are the unit's variables, types and functions
		case dwarf.TagSubprogram:
			if low, ok := e.Val(dwarf.AttrLowpc).(uint64); ok {
				t.funcs[low] = funcEntry{off: e.Offset, addrBase: addrBase}
			}
		case dwarf.TagVariable:
			name, _ := e.Val(dwarf.AttrName).(string)
			if off, ok := e.Val(dwarf.AttrType).(dwarf.Offset); ok && name != "" {
				t.variables[name] = off
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
}

// WordKind says what a word that Selector names is.
type WordKind int

const (
	// Plain is a word of its own type: a pointer, a map, a channel, a
	// function, an integer.
	Plain WordKind = iota
	// SliceArray is a slice's pointer to its first element: its type is
	// a pointer to the element, and the elements follow it.
	SliceArray
	// StringData is a string's pointer to its bytes.
	StringData
	// InterfaceData is an interface's data word, whose type is the
	// dynamic type, which is in memory, not in DWARF: Word.Type is nil.
	InterfaceData
	// SyncMapRoot is the root of a sync.Map's trie (SyncMap): the map is
	// one value, as Go code sees it, which Load reads.
	SyncMapRoot
)

// Word is a word that Selector names: its type and what it is.
type Word struct {
	Type dwarf.Type
	Kind WordKind
	// NonEmpty is set for the data word of an interface with methods,
	// whose type word is an itab; an empty interface's is the type.
	NonEmpty bool
}

// Selector returns the Go selector of the word at byte offset off inside
// a value of type typ ("" for the value itself, ".conns", "[3]",
// ".inner.c") and the word found there. ok is false where the offset
// falls in no field or element, or inside a word (the length of a slice,
// the type word of an interface).
//
// A slice, a string and an interface are one value: their pointer word
// is the value itself ("" within it), of kind SliceArray, StringData or
// InterfaceData.
func Selector(typ dwarf.Type, off int64) (sel string, w Word, ok bool) {
	var b strings.Builder
	for {
		switch t := underlying(typ).(type) {
		case *dwarf.StructType:
			if t.StructName == "sync.Map" {
				if root, ok := syncMapRoot(t); ok && off == root {
					return b.String(), Word{Kind: SyncMapRoot}, true
				}
				return "", Word{}, false
			}
			if w, ok := atomicLoad(t, off); ok {
				return b.String() + ".Load()", w, true
			}
			switch shape(t) {
			case shapeSlice, shapeString:
				if off != 0 {
					return "", Word{}, false // the length or the capacity
				}
				kind := SliceArray
				if shape(t) == shapeString {
					kind = StringData
				}
				return b.String(), Word{Type: t.Field[0].Type, Kind: kind}, true
			case shapeInterface:
				if off != t.ByteSize/2 {
					return "", Word{}, false // the type word: not a pointer to the heap
				}
				return b.String(), Word{Kind: InterfaceData, NonEmpty: t.StructName == "runtime.iface"}, true
			}
			f := fieldAt(t, off)
			if f == nil {
				return "", Word{}, false
			}
			b.WriteString("." + fieldName(f.Name))
			typ, off = f.Type, off-f.ByteOffset
		case *dwarf.ArrayType:
			size := t.Type.Size()
			if size <= 0 || t.Count <= 0 || off >= size*t.Count {
				return "", Word{}, false
			}
			fmt.Fprintf(&b, "[%d]", off/size)
			typ, off = t.Type, off%size
		default:
			if off != 0 {
				return "", Word{}, false
			}
			return b.String(), Word{Type: typ}, true
		}
	}
}

// atomicLoad returns the word that Load returns, when t is a
// sync/atomic.Value or Pointer[T] and off is where it keeps it: a
// Value's is the data word of its interface, a Pointer's an
// unsafe.Pointer, which is a *T (the type of its field _ [0]*T).
func atomicLoad(t *dwarf.StructType, off int64) (Word, bool) {
	v := fieldAt(t, off)
	if v == nil || v.Name != "v" {
		return Word{}, false
	}
	switch {
	case t.StructName == "sync/atomic.Value":
		inner, ok := underlying(v.Type).(*dwarf.StructType)
		if ok && shape(inner) == shapeInterface && off == v.ByteOffset+inner.ByteSize/2 {
			return Word{Kind: InterfaceData}, true
		}
	case strings.HasPrefix(t.StructName, "sync/atomic.Pointer[") && off == v.ByteOffset && len(t.Field) > 0:
		if arr, ok := underlying(t.Field[0].Type).(*dwarf.ArrayType); ok {
			return Word{Type: arr.Type}, true
		}
	}
	return Word{}, false
}

// Struct returns the struct that typ is, through typedefs.
func Struct(typ dwarf.Type) (*dwarf.StructType, bool) {
	s, ok := underlying(typ).(*dwarf.StructType)
	return s, ok
}

// Pointee returns the type that a pointer-typed word of type typ points
// to, or nil if typ is no pointer (or unknown).
func Pointee(typ dwarf.Type) dwarf.Type {
	if p, ok := underlying(typ).(*dwarf.PtrType); ok {
		return p.Type
	}
	return nil
}

// Name returns typ as Go spells it ("*db.Conn", "map[string]*db.Conn"),
// with package paths cut to their last element; "" for nil.
func Name(typ dwarf.Type) string {
	if typ == nil {
		return ""
	}
	return shortNames(goName(typ))
}

func goName(typ dwarf.Type) string {
	switch t := typ.(type) {
	case *dwarf.TypedefType:
		return t.Name
	case *dwarf.StructType:
		if t.StructName != "" {
			return t.StructName
		}
	case *dwarf.PtrType:
		return "*" + goName(t.Type)
	case *dwarf.ArrayType:
		return fmt.Sprintf("[%d]%s", t.Count, goName(t.Type))
	}
	return typ.String()
}

// underlying follows typedefs to the type they name, but for those that
// are Go's named types of a struct (which DWARF gives the name itself).
func underlying(typ dwarf.Type) dwarf.Type {
	for {
		t, ok := typ.(*dwarf.TypedefType)
		if !ok {
			return typ
		}
		typ = t.Type
	}
}

// fieldAt returns the field of t that holds byte offset off.
func fieldAt(t *dwarf.StructType, off int64) *dwarf.StructField {
	for i, f := range t.Field {
		end := t.ByteSize
		if i+1 < len(t.Field) {
			end = t.Field[i+1].ByteOffset
		}
		if size := f.Type.Size(); size > 0 {
			end = min(end, f.ByteOffset+size)
		}
		if off >= f.ByteOffset && off < end {
			return f
		}
	}
	return nil
}

// fieldName returns a field's name without the package that DWARF puts
// before the unexported fields of an unnamed struct ("db.c" for c).
func fieldName(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

type structShape int

const (
	shapePlain structShape = iota
	shapeSlice
	shapeString
	shapeInterface
)

// shape tells the structs that stand for Go's slices, strings and
// interfaces from the program's own.
func shape(t *dwarf.StructType) structShape {
	switch name := t.StructName; {
	case strings.HasPrefix(name, "[]"):
		return shapeSlice
	case name == "string":
		return shapeString
	case name == "runtime.eface" || name == "runtime.iface":
		return shapeInterface
	}
	return shapePlain
}

// shortNames cuts the package paths in a type's name to their last
// element: "*example.com/db.Conn" reads "*db.Conn".
func shortNames(s string) string {
	var b strings.Builder
	start := 0 // of the current identifier run
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !strings.ContainsRune("*[]{}(),; <>", rune(s[i])) {
			continue
		}
		word := s[start:i]
		if j := strings.LastIndexByte(word, '/'); j >= 0 {
			word = word[j+1:]
		}
		b.WriteString(word)
		if i < len(s) {
			b.WriteByte(s[i])
		}
		start = i + 1
	}
	return b.String()
}
