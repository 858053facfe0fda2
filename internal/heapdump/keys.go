package heapdump

import (
	"debug/dwarf"
	"encoding/binary"
	"reflect"
	"strconv"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
	"github.com/objtrack/objtrack/internal/typename"
)

// A map's value reads m["10.0.0.1:5432"] or m[42] where its key is a
// string, an integer or a bool, or an interface that holds one (as
// sync.Map's keys are), or m[*db.Conn serial 3] where it is a pointer to
// an object that SearchOptions.Objects names, read from the live process
// (memory.go):
// the graph keeps only the pointers of the objects it holds. The key is
// shown only when the slot still holds the pointer that the dump saw,
// and a string's bytes only when they are in an object of the dump or
// in the executable: a map that changed since the dump shows [...].

// maxKeyBytes bounds the bytes of a string key that a path shows.
const maxKeyBytes = 64

// keyText returns the Go literal of the key of the slot of group (a step
// on the path) whose word at off, from where the pointer to the group
// points, holds next's pointer; "" when it cannot be known.
func (t *typer) keyText(m gotypes.Map, group, next Step, off int64) string {
	if t.mem == nil {
		return ""
	}
	gsize := m.Group.ByteSize
	keyOff, key, ok := m.Key(off % gsize)
	if !ok {
		return ""
	}
	ptr := t.g.roots.Params.PtrSize
	order := byteOrder(t.g.roots.Params)
	// The slot must still hold what the dump saw.
	word, ok := t.mem.read(group.Addr+next.Field, ptr)
	if !ok || readWord(word, ptr, order) != next.Pointer {
		return ""
	}
	at := group.Pointer + uint64(off/gsize*gsize+keyOff)
	switch k := gotypes.Underlying(key).(type) {
	case *dwarf.IntType:
		return t.literal(litInt, k.ByteSize, at)
	case *dwarf.UintType:
		return t.literal(litUint, k.ByteSize, at)
	case *dwarf.BoolType:
		return t.literal(litBool, 1, at)
	case *dwarf.PtrType:
		return t.pointerKey(at)
	case *dwarf.StructType:
		switch {
		case gotypes.IsString(key):
			return t.literal(litString, 0, at)
		case k.StructName == "runtime.eface": // map[any]V, sync.Map's keys
			return t.anyLiteral(at, false)
		case k.StructName == "runtime.iface": // a key of an interface type with methods
			return t.anyLiteral(at, true)
		}
	}
	return ""
}

// pointerKey names the object that the pointer key at addr points to,
// where SearchOptions.Objects names it; "" otherwise.
func (t *typer) pointerKey(addr uint64) string {
	if len(t.objects) == 0 {
		return ""
	}
	ptr := t.g.roots.Params.PtrSize
	b, ok := t.mem.read(addr, ptr)
	if !ok {
		return ""
	}
	start, _, ok := t.g.ObjectAt(readWord(b, ptr, byteOrder(t.g.roots.Params)))
	if !ok {
		return ""
	}
	return t.objects[start]
}

type literalKind int

const (
	litInt literalKind = iota
	litUint
	litBool
	litString
)

// literal reads a value of kind and size at addr and returns it as a Go
// literal, or "".
func (t *typer) literal(kind literalKind, size int64, addr uint64) string {
	order := byteOrder(t.g.roots.Params)
	switch kind {
	case litInt, litUint:
		b, ok := t.mem.read(addr, int(size))
		if !ok || size < 1 || size > 8 {
			return ""
		}
		if kind == litInt {
			return strconv.FormatInt(signExtend(readUint(b, order), size), 10)
		}
		return strconv.FormatUint(readUint(b, order), 10)
	case litBool:
		b, ok := t.mem.read(addr, 1)
		if !ok || b[0] > 1 {
			return ""
		}
		return strconv.FormatBool(b[0] == 1)
	}
	ptr := t.g.roots.Params.PtrSize
	hdr, ok := t.mem.read(addr, 2*ptr)
	if !ok {
		return ""
	}
	data, n := readWord(hdr, ptr, order), readWord(hdr[ptr:], ptr, order)
	if n > 1<<30 || !t.holds(data, n) {
		return ""
	}
	show := min(n, maxKeyBytes)
	b, ok := t.mem.read(data, int(show))
	if !ok {
		return ""
	}
	if show < n {
		return strconv.Quote(string(b)) + "..."
	}
	return strconv.Quote(string(b))
}

// anyLiteral returns the Go literal of the value of the interface at
// addr (nonEmpty: one with methods, whose type word is an itab), where
// its dynamic type is a string, an integer or a bool: 9, "a", and, for
// another type than the one an untyped constant would get, as the
// conversion that makes it, int8(9), db.ID(7).
func (t *typer) anyLiteral(addr uint64, nonEmpty bool) string {
	ptr := t.g.roots.Params.PtrSize
	order := byteOrder(t.g.roots.Params)
	words, ok := t.mem.read(addr, 2*ptr)
	if !ok {
		return ""
	}
	typeWord := readWord(words, ptr, order)
	if nonEmpty {
		// An itab: its second word is the dynamic type.
		tab, ok := t.mem.read(typeWord+uint64(ptr), ptr)
		if !ok {
			return ""
		}
		typeWord = readWord(tab, ptr, order)
	}
	rt, ok := typename.ByAddress(uintptr(typeWord))
	if !ok {
		return ""
	}
	// A value that is not pointer-shaped is a copy that the data word
	// points to.
	data := readWord(words[ptr:], ptr, order)
	var lit string
	switch rt.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		lit = t.literal(litInt, int64(rt.Size()), data)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		lit = t.literal(litUint, int64(rt.Size()), data)
	case reflect.Bool:
		lit = t.literal(litBool, 1, data)
	case reflect.String:
		lit = t.literal(litString, 0, data)
	}
	switch rt.String() {
	case "int", "string", "bool":
		return lit
	}
	if lit == "" {
		return ""
	}
	return rt.String() + "(" + lit + ")"
}

// holds reports whether [addr, addr+n) is inside an object of the dump
// or in the executable: where a string's bytes may be.
func (t *typer) holds(addr, n uint64) bool {
	if n == 0 {
		return true
	}
	if start, size, ok := t.g.ObjectAt(addr); ok {
		return addr+n <= start+size
	}
	return t.mem.inExecutable(addr, n)
}

// readUint reads an unsigned integer of len(b) bytes, at most 8.
func readUint(b []byte, order binary.ByteOrder) uint64 {
	var buf [8]byte
	if order == binary.BigEndian {
		copy(buf[8-len(b):], b)
	} else {
		copy(buf[:], b)
	}
	return order.Uint64(buf[:])
}

func signExtend(v uint64, size int64) int64 {
	shift := 64 - 8*size
	return int64(v<<shift) >> shift
}
