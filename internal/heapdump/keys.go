package heapdump

import (
	"debug/dwarf"
	"encoding/binary"
	"strconv"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
)

// A map's value reads m["10.0.0.1:5432"] or m[42] where its key is a
// string, an integer or a bool, read from the live process (memory.go):
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
		b, ok := t.mem.read(at, int(k.ByteSize))
		if !ok || k.ByteSize > 8 {
			return ""
		}
		return strconv.FormatInt(signExtend(readUint(b, order), k.ByteSize), 10)
	case *dwarf.UintType:
		b, ok := t.mem.read(at, int(k.ByteSize))
		if !ok || k.ByteSize > 8 {
			return ""
		}
		return strconv.FormatUint(readUint(b, order), 10)
	case *dwarf.BoolType:
		b, ok := t.mem.read(at, 1)
		if !ok || b[0] > 1 {
			return ""
		}
		return strconv.FormatBool(b[0] == 1)
	}
	if !gotypes.IsString(key) {
		return ""
	}
	hdr, ok := t.mem.read(at, 2*ptr)
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
