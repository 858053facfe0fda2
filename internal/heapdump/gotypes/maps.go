package gotypes

import (
	"debug/dwarf"
	"strings"
)

// A Go map (Go 1.24's Swiss tables, internal/runtime/maps) is a pointer
// to a header, a struct that DWARF names "map<K,V>". Its directory
// pointer, dirPtr, leads to one group of eight slots while the map is
// small, and to an array of pointers to tables once it grew; a table's
// groups.data leads to its array of groups. A group is a control word
// and eight slots, each a key and an element, the struct that DWARF
// names "noalg.map.group[K]V". The map's values are reached through
// these objects, but a programmer writes m[k]: Map tells them apart.

// Map is the layout of a map type.
type Map struct {
	// Header is the struct a map value points to; DirPtr the offset of
	// its directory pointer.
	Header *dwarf.StructType
	DirPtr int64
	// DirLen is the offset of the header's directory length: 0 for a
	// small map, whose directory pointer points to its one group.
	DirLen int64
	// Table is a table's struct; GroupsData the offset of the pointer to
	// its groups.
	Table      *dwarf.StructType
	GroupsData int64
	// Group is a group's struct: a control word, then the slots.
	Group *dwarf.StructType
}

// MapOf returns the layout of the map that a word of type typ is (a
// map[K]V), or false if it is none or DWARF does not give it whole.
func MapOf(typ dwarf.Type) (Map, bool) {
	p, ok := underlying(typ).(*dwarf.PtrType)
	if !ok {
		return Map{}, false
	}
	h, ok := underlying(p.Type).(*dwarf.StructType)
	if !ok || !strings.HasPrefix(h.StructName, "map<") {
		return Map{}, false
	}
	m := Map{Header: h}
	dir := field(h, "dirPtr")
	if dir == nil {
		return Map{}, false
	}
	m.DirPtr = dir.ByteOffset
	m.DirLen = -1
	if l := field(h, "dirLen"); l != nil {
		m.DirLen = l.ByteOffset
	}
	// dirPtr is typed as the large map's: a pointer to pointers to tables.
	if m.Table, ok = underlying(Pointee(Pointee(dir.Type))).(*dwarf.StructType); !ok {
		return Map{}, false
	}
	groups := field(m.Table, "groups")
	if groups == nil {
		return Map{}, false
	}
	gr, ok := underlying(groups.Type).(*dwarf.StructType)
	if !ok {
		return Map{}, false
	}
	data := field(gr, "data")
	if data == nil {
		return Map{}, false
	}
	m.GroupsData = groups.ByteOffset + data.ByteOffset
	if m.Group, ok = underlying(Pointee(data.Type)).(*dwarf.StructType); !ok || field(m.Group, "slots") == nil {
		return Map{}, false
	}
	return m, true
}

// Slot names the word at byte offset off inside a group: the slot's key
// or its element (isKey), the selector inside it ("" for the key or the
// element itself, ".conn" for a field of a struct element), and the word.
func (m Map) Slot(off int64) (isKey bool, sel string, w Word, ok bool) {
	full, w, ok := Selector(m.Group, off)
	const slots = ".slots["
	if !ok || !strings.HasPrefix(full, slots) {
		return false, "", Word{}, false
	}
	rest := full[strings.IndexByte(full, ']')+1:]
	switch {
	case strings.HasPrefix(rest, ".key"):
		return true, rest[len(".key"):], w, true
	case strings.HasPrefix(rest, ".elem"):
		return false, rest[len(".elem"):], w, true
	}
	return false, "", Word{}, false
}

// field returns the field of t named name, or nil.
func field(t *dwarf.StructType, name string) *dwarf.StructField {
	for _, f := range t.Field {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Key returns, for byte offset off inside a group, the offset in the
// group of the key of the slot that holds off, and the key's type.
func (m Map) Key(off int64) (keyOff int64, key dwarf.Type, ok bool) {
	slots := field(m.Group, "slots")
	arr, isArray := underlying(slots.Type).(*dwarf.ArrayType)
	if !isArray || off < slots.ByteOffset {
		return 0, nil, false
	}
	slot, isStruct := underlying(arr.Type).(*dwarf.StructType)
	size := arr.Type.Size()
	if !isStruct || size <= 0 {
		return 0, nil, false
	}
	k := field(slot, "key")
	if k == nil {
		return 0, nil, false
	}
	i := (off - slots.ByteOffset) / size
	if i >= arr.Count {
		return 0, nil, false
	}
	return slots.ByteOffset + i*size + k.ByteOffset, k.Type, true
}

// Underlying returns the type that typ names, through typedefs.
func Underlying(typ dwarf.Type) dwarf.Type { return underlying(typ) }

// IsString reports whether typ is Go's string.
func IsString(typ dwarf.Type) bool {
	s, ok := underlying(typ).(*dwarf.StructType)
	return ok && shape(s) == shapeString
}
