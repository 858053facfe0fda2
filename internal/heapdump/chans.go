package heapdump

import (
	"debug/dwarf"
	"fmt"
	"strings"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
)

// A channel is a pointer to the runtime's hchan, which DWARF names
// "hchan<T>" for a chan T; a buffered channel of an element type with
// pointers keeps its buffer, an array of T, in an object of its own that
// hchan.buf points to. A value sent and not yet received is in that
// buffer: the path goes ch -> hchan -> buffer -> what the element refers
// to, and reads "ch (in its buffer: 1st of 3 queued)", its place in the
// order of receiving read from the channel's receive index.

// chanSteps names the element of a channel's buffer that steps[0] (the
// hchan), steps[1] (its buffer) and steps[2] lead to, when elem, what
// the word that points to steps[0] points to, is a channel's hchan. It
// returns the selector and the word of the element that points to
// steps[2].
func (t *typer) chanSteps(elem dwarf.Type, steps []Step) (sel string, w gotypes.Word, ok bool) {
	hchan, isStruct := elem.(*dwarf.StructType)
	if !isStruct || t.types == nil || len(steps) < 3 {
		return "", gotypes.Word{}, false
	}
	name, isChan := strings.CutPrefix(hchan.StructName, "hchan<")
	name, isChan2 := strings.CutSuffix(name, ">")
	buf := field(hchan, "buf")
	if !isChan || !isChan2 || buf == nil || offsetIn(steps[0], steps[1]) != buf.ByteOffset {
		return "", gotypes.Word{}, false
	}
	typ, found := t.types.ByName(name)
	if !found || typ.Size() <= 0 {
		return "", gotypes.Word{}, false
	}
	off := offsetIn(steps[1], steps[2])
	if off < 0 {
		return "", gotypes.Word{}, false
	}
	index := off / typ.Size()
	inner, w, ok := gotypes.Selector(typ, off%typ.Size())
	if !ok {
		return "", gotypes.Word{}, false
	}
	return " (in its buffer" + t.queuePlace(hchan, steps[0].Addr, index) + ")" + inner, w, true
}

// queuePlace says where element index of the buffer of the channel at
// addr is in the order of receiving (": 1st of 3 queued"), read from the
// process's memory; "" where it cannot be read.
func (t *typer) queuePlace(hchan *dwarf.StructType, addr uint64, index int64) string {
	count, ok1 := t.uintField(hchan, addr, "qcount")
	size, ok2 := t.uintField(hchan, addr, "dataqsiz")
	recv, ok3 := t.uintField(hchan, addr, "recvx")
	if !ok1 || !ok2 || !ok3 || size == 0 || recv >= size || uint64(index) >= size {
		return ""
	}
	place := (uint64(index) + size - recv) % size
	if place >= count {
		return ""
	}
	return fmt.Sprintf(": %s of %d queued", ordinal(place+1), count)
}

// uintField reads the unsigned integer field name of the struct hchan at
// addr from the process's memory.
func (t *typer) uintField(s *dwarf.StructType, addr uint64, name string) (uint64, bool) {
	f := field(s, name)
	if f == nil || t.mem == nil {
		return 0, false
	}
	size := int(f.Type.Size())
	if size != 2 && size != 4 && size != 8 {
		return 0, false
	}
	b, ok := t.mem.read(addr+uint64(f.ByteOffset), size)
	if !ok {
		return 0, false
	}
	order := byteOrder(t.g.roots.Params)
	if size == 2 {
		return uint64(order.Uint16(b)), true
	}
	return readWord(b, size, order), true
}

// field returns the field of s named name.
func field(s *dwarf.StructType, name string) *dwarf.StructField {
	for _, f := range s.Field {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// ordinal writes n as "1st", "2nd", "3rd", "4th"...
func ordinal(n uint64) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// sendingValue reports whether the value that goroutine g is blocked
// sending on a channel holds pointer value, which a word of its stack
// holds: the runtime keeps a blocked sender's value where it was, in the
// sender's frame, and points to it from the sudog the goroutine waits
// with (g.waiting.elem), whose channel gives the value's size. (The word
// found may be the value itself, or a copy the frame kept of it.) It
// reads the goroutine's g and sudog from the process's memory, laid out
// as the DWARF's runtime.g and runtime.sudog.
func (t *typer) sendingValue(g *Goroutine, value uint64) bool {
	if t.mem == nil || t.types == nil || g.WaitReason != "chan send" {
		return false
	}
	waiting, ok := t.pointerField(g.Addr, "runtime.g", "waiting")
	if !ok || waiting == 0 {
		return false
	}
	// Since Go 1.25 the sudog keeps its pointers as maybeTraceablePtr,
	// whose vu is the address.
	elem, ok1 := t.pointerField(waiting, "runtime.sudog", "elem", "elem.vu")
	c, ok2 := t.pointerField(waiting, "runtime.sudog", "c", "c.vu")
	if !ok1 || !ok2 || c == 0 || elem == 0 {
		return false
	}
	s, ok := t.runtimeStruct("runtime.hchan")
	if !ok {
		return false
	}
	size, ok := t.uintField(s, c, "elemsize")
	ptr := t.g.roots.Params.PtrSize
	if !ok || size < uint64(ptr) || size > maxSentValue {
		return false
	}
	sent, ok := t.mem.read(elem, int(size))
	if !ok {
		return false
	}
	order := byteOrder(t.g.roots.Params)
	for off := 0; off+ptr <= len(sent); off += ptr {
		if readWord(sent[off:], ptr, order) == value {
			return true
		}
	}
	return false
}

// maxSentValue bounds the size of a sent value that sendingValue reads.
const maxSentValue = 1 << 16

// pointerField reads a pointer-sized field of the struct type typeName
// at addr from the process's memory: the first of paths ("elem",
// "elem.vu": fields of fields, through embedded ones) that the type has.
func (t *typer) pointerField(addr uint64, typeName string, paths ...string) (uint64, bool) {
	s, ok := t.runtimeStruct(typeName)
	if !ok {
		return 0, false
	}
	ptr := t.g.roots.Params.PtrSize
	for _, path := range paths {
		off, typ, ok := fieldPath(s, strings.Split(path, "."))
		if !ok || typ.Size() != int64(ptr) {
			continue
		}
		b, ok := t.mem.read(addr+uint64(off), ptr)
		if !ok {
			return 0, false
		}
		return readWord(b, ptr, byteOrder(t.g.roots.Params)), true
	}
	return 0, false
}

// fieldPath returns the offset and type of the field that names reach in
// s, one name per level, looking into embedded fields for a name s does
// not have.
func fieldPath(s *dwarf.StructType, names []string) (int64, dwarf.Type, bool) {
	f := field(s, names[0])
	if f == nil {
		for _, e := range s.Field {
			name := gotypes.Name(e.Type)
			if inner, ok := gotypes.Struct(e.Type); ok && (name == e.Name || strings.HasSuffix(name, "."+e.Name)) {
				if off, typ, ok := fieldPath(inner, names); ok {
					return e.ByteOffset + off, typ, true
				}
			}
		}
		return 0, nil, false
	}
	if len(names) == 1 {
		return f.ByteOffset, f.Type, true
	}
	inner, ok := gotypes.Struct(f.Type)
	if !ok {
		return 0, nil, false
	}
	off, typ, ok := fieldPath(inner, names[1:])
	return f.ByteOffset + off, typ, ok
}

// runtimeStruct returns the struct type of that name.
func (t *typer) runtimeStruct(name string) (*dwarf.StructType, bool) {
	typ, ok := t.types.ByName(name)
	if !ok {
		return nil, false
	}
	return gotypes.Struct(typ)
}
