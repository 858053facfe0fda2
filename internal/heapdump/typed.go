package heapdump

import (
	"debug/dwarf"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
	"github.com/objtrack/objtrack/internal/typename"
)

// A path from a global whose variable's type DWARF gives reads as the Go
// expression that reaches the target: the root's selector, then, step by
// step, the field or element of each object that holds the next pointer
// (internal/heapdump/gotypes), and m["key"] for a map's value (keys.go;
// m[...] where the key cannot be known), whatever objects of the map's
// own the value is in, or "m (as a key)" for a pointer key; a sync.Map's
// value as m.Load(key), whatever nodes of its trie it is in; and an
// interface's value as Go asserts it, v.(*db.Conn), its dynamic type
// read from the process; a channel's buffered value as ch (in its
// buffer: 1st of 3 queued) (chans.go). A path from a goroutine's stack
// frame starts the same way at the frame's variable (locals.go), one
// from a timer at its function's captured variable, and a closure on the
// way is named by its function and the captured variable that goes on
// (closures.go). The expression stops where a type cannot be known (an
// object whose layout does not match its type, a dump of another
// process); the steps it covers are not listed by size.

// typer types the paths of one search.
type typer struct {
	g     *Graph
	types *gotypes.Types
	mem   *liveMemory // nil where the dump is not this process's, or its memory cannot be read
	// objects names the objects that a pointer key may point to
	// (SearchOptions.Objects).
	objects map[uint64]string

	dynamicOnce sync.Once
	dynamic     map[uint64]Type   // the dump's types, by address
	itabs       map[uint64]uint64 // the dump's itabs: the address of each one's type
}

// typeSteps follows the types of the words of a path, from w, the word of
// the root that holds the first pointer, at address at, down its steps.
// It returns the expression that continues the root's ("[2].conn",
// ".conns[...]"), the number of leading steps it covers, the type of the
// word that points to the next step (that is, to the target when all are
// covered), and, when it stops before the target, why.
func (t *typer) typeSteps(w gotypes.Word, at uint64, steps []Step) (expr string, covered int, last dwarf.Type, stop string) {
	var parts []string // the expression, step by step
	assertion := ""    // the type assertion that goes on into an interface's value
	for i := 0; i+1 < len(steps); {
		if w.Kind == gotypes.InterfaceData {
			dw, as, ok := t.dynamicType(w, at, steps[i])
			if !ok {
				break
			}
			w, assertion = dw, as
		}
		if w.Kind == gotypes.SyncMapRoot {
			n, sel, next, nextAt, ok := t.syncMapSteps(steps[i:])
			if !ok {
				break
			}
			parts = append(parts, assertion+sel)
			w, at, i, assertion = next, nextAt, i+n, ""
			covered = i
			continue
		}
		if m, ok := gotypes.MapOf(w.Type); ok && w.Kind == gotypes.Plain {
			n, sel, next, ok := t.mapSteps(m, steps[i:])
			if !ok {
				break
			}
			parts = append(parts, assertion+sel)
			at = steps[i+n-1].Addr + steps[i+n].Field
			w, i, assertion = next, i+n, ""
			covered = i
			continue
		}
		if elem := gotypes.Pointee(w.Type); elem != nil && w.Kind == gotypes.Plain {
			if sel, next, ok := t.chanSteps(elem, steps[i:]); ok {
				parts = append(parts, assertion+sel)
				at = steps[i+1].Addr + steps[i+2].Field
				w, i, assertion = next, i+2, ""
				covered = i
				continue
			}
		}
		sel, next, ok := objectStep(w, steps[i], steps[i+1])
		if !ok {
			break
		}
		if w.Kind == gotypes.SliceArray {
			sel = t.beyondLength(w, at, steps[i], steps[i+1]) + sel
		}
		parts = append(parts, assertion+sel)
		at = steps[i].Addr + steps[i+1].Field
		w, i, assertion = next, i+1, ""
		covered = i
	}
	if covered < len(steps)-1 {
		stop = stopReason(w)
	}
	if w.Kind == gotypes.InterfaceData && covered < len(steps) {
		// The word that points to the target: its dynamic type is the
		// expression's.
		if dw, _, ok := t.dynamicType(w, at, steps[covered]); ok {
			w = dw
		}
	}
	if covered == 0 {
		return "", 0, nil, stop
	}
	return shorten(parts), covered, w.Type, stop
}

// maxParts is the number of steps an expression shows before it is
// shortened in the middle: a list of a thousand nodes is not a thousand
// .next.
const maxParts = 12

// shorten joins the parts of an expression, with those in the middle of
// a long one left out: ".next.next ... 990 more steps ... .next.conn".
func shorten(parts []string) string {
	if len(parts) <= maxParts {
		return strings.Join(parts, "")
	}
	head, tail := parts[:maxParts/2], parts[len(parts)-maxParts/2:]
	return strings.Join(head, "") + fmt.Sprintf(" ... %d more steps ... ", len(parts)-maxParts) + strings.Join(tail, "")
}

// stopReason says why the object that word w points to has no type that
// an expression could go on with.
func stopReason(w gotypes.Word) string {
	switch {
	case w.Kind == gotypes.InterfaceData:
		return "type unknown: an interface's value whose dynamic type cannot be read"
	case w.Kind == gotypes.SyncMapRoot:
		return "type unknown: a sync.Map whose nodes are not laid out as expected"
	case w.Type == nil:
		return "type unknown"
	}
	if _, ok := gotypes.MapOf(w.Type); ok {
		return "type unknown: not laid out as a " + gotypes.Name(w.Type) + " is"
	}
	elem := gotypes.Pointee(w.Type)
	switch {
	case elem == nil:
		return "type unknown: reached through a word of type " + gotypes.Name(w.Type)
	case gotypes.Name(elem) == "void":
		return "type unknown: reached through an unsafe.Pointer, which says nothing of what it points to"
	}
	return "type unknown: not laid out as a " + gotypes.Name(elem) + " is"
}

// dynamicType returns the word of the dynamic value of the interface
// whose data word, at address at, points to st: a pointer of the dynamic
// type, or, for a type the interface holds a copy of, a pointer to it;
// and the type assertion that an expression goes on into it with. It
// reads the interface's type word from the live process, and trusts it
// only while the data word still holds the dump's pointer.
func (t *typer) dynamicType(w gotypes.Word, at uint64, st Step) (gotypes.Word, string, bool) {
	if t.mem == nil || t.types == nil {
		return gotypes.Word{}, "", false
	}
	ptr := t.g.roots.Params.PtrSize
	order := byteOrder(t.g.roots.Params)
	words, ok := t.mem.read(at-uint64(ptr), 2*ptr)
	if !ok || readWord(words[ptr:], ptr, order) != st.Pointer {
		return gotypes.Word{}, "", false
	}
	t.dynamicOnce.Do(t.indexDynamic)
	typeAddr := readWord(words, ptr, order)
	if w.NonEmpty {
		if typeAddr, ok = t.itabs[typeAddr]; !ok {
			return gotypes.Word{}, "", false
		}
	}
	name, indirect, ok := t.typeAt(typeAddr)
	if !ok {
		return gotypes.Word{}, "", false
	}
	typ, ok := t.types.ByName(name)
	if !ok && strings.HasPrefix(name, "*") {
		// DWARF names no pointer type that the program never spells
		// (a pointer to an instance of a generic type): make it.
		if elem, found := t.types.ByName(name[1:]); found {
			typ, ok = &dwarf.PtrType{Type: elem}, true
		}
	}
	if !ok {
		return gotypes.Word{}, "", false
	}
	assertion := ".(" + gotypes.Name(typ) + ")"
	if indirect {
		return gotypes.Word{Type: &dwarf.PtrType{Type: typ}}, assertion, true
	}
	return gotypes.Word{Type: typ}, assertion, true
}

// typeAt returns the name, as DWARF spells it, of the type whose
// descriptor is at addr, and whether an interface holds a pointer to a
// copy of its values: from the program's own types (internal/typename),
// which the process that wrote the dump has, else from the dump's
// (those of itabs), whose names the runtime leaves unusable for pointer
// types with methods ("context.").
func (t *typer) typeAt(addr uint64) (name string, indirect, ok bool) {
	if rt, found := typename.ByAddress(uintptr(addr)); found {
		name = rt.String()
		if rt.Name() != "" && rt.PkgPath() != "" {
			name = rt.PkgPath() + "." + rt.Name()
		}
		switch rt.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			return name, false, true
		}
		return name, true, true
	}
	t.dynamicOnce.Do(t.indexDynamic)
	dt, found := t.dynamic[addr]
	if !found || strings.HasSuffix(dt.Name, ".") {
		return "", false, false
	}
	return dt.Name, dt.Indirect, true
}

func (t *typer) indexDynamic() {
	t.dynamic = map[uint64]Type{}
	for _, ty := range t.g.roots.Types {
		t.dynamic[ty.Addr] = ty
	}
	t.itabs = map[uint64]uint64{}
	for _, it := range t.g.roots.Itabs {
		t.itabs[it.Addr] = it.Type
	}
}

// syncMapSteps names the value of a sync.Map whose trie's root points to
// steps[0]: it goes through the trie's nodes to the entry that holds the
// next pointer, and returns the number of nodes, ".Load(key)" (the key
// as a literal where it is a string, an integer or a bool, else "..."),
// or " (as a key)", and the word of the entry's value or key, an
// interface, and its address. Which kind each node is, the process's
// memory says.
func (t *typer) syncMapSteps(steps []Step) (n int, sel string, w gotypes.Word, at uint64, ok bool) {
	if t.mem == nil || t.types == nil {
		return 0, "", gotypes.Word{}, 0, false
	}
	layout, ok := t.types.SyncMapOf()
	if !ok {
		return 0, "", gotypes.Word{}, 0, false
	}
	ptr := uint64(t.g.roots.Params.PtrSize)
	order := byteOrder(t.g.roots.Params)
	for j := 0; j+1 < len(steps); j++ {
		st, next := steps[j], steps[j+1]
		if st.Pointer != st.Addr {
			return 0, "", gotypes.Word{}, 0, false
		}
		// The node must still hold what the dump saw.
		word, ok1 := t.mem.read(st.Addr+next.Field, int(ptr))
		isEntry, ok2 := t.mem.read(st.Addr, 1)
		if !ok1 || !ok2 || readWord(word, int(ptr), order) != next.Pointer || isEntry[0] > 1 {
			return 0, "", gotypes.Word{}, 0, false
		}
		off := int64(next.Field)
		if isEntry[0] == 0 { // an indirect node: one of its children
			if off < layout.Children || off >= layout.Children+layout.ChildrenSize {
				return 0, "", gotypes.Word{}, 0, false
			}
			continue
		}
		switch off {
		case layout.Overflow: // the next entry of the same hash
			continue
		case layout.Value + int64(ptr):
			key := t.anyLiteral(st.Addr+uint64(layout.Key), false)
			if key == "" {
				key = "..."
			}
			return j + 1, ".Load(" + key + ")", gotypes.Word{Kind: gotypes.InterfaceData}, st.Addr + next.Field, true
		case layout.Key + int64(ptr):
			return j + 1, " (as a key)", gotypes.Word{Kind: gotypes.InterfaceData}, st.Addr + next.Field, true
		}
		return 0, "", gotypes.Word{}, 0, false
	}
	return 0, "", gotypes.Word{}, 0, false
}

// objectStep names the word of object st that points to next, when word
// w points to st: a field or an element of the value that w points to.
func objectStep(w gotypes.Word, st, next Step) (sel string, nw gotypes.Word, ok bool) {
	if w.Kind != gotypes.Plain && w.Kind != gotypes.SliceArray {
		return "", gotypes.Word{}, false
	}
	elem := gotypes.Pointee(w.Type)
	if elem == nil || elem.Size() <= 0 {
		return "", gotypes.Word{}, false
	}
	base := st.Pointer - st.Addr // where w points inside the object
	if next.Field < base || next.Field >= st.Size {
		return "", gotypes.Word{}, false
	}
	off := int64(next.Field - base)
	size := elem.Size()
	index, within := off/size, off%size
	sel, nw, ok = gotypes.Selector(elem, within)
	if !ok {
		return "", gotypes.Word{}, false
	}
	if w.Kind == gotypes.Plain && (index != 0 || sel == "") {
		// A pointer reaches its own pointee only, and Go writes a
		// pointer's pointee as *p, not p: what it points beside (other
		// elements of its allocation) or to a word that is no field is
		// not an expression of it.
		return "", gotypes.Word{}, false
	}
	if w.Kind == gotypes.SliceArray {
		sel = fmt.Sprintf("[%d]", index) + sel
	}
	return sel, nw, true
}

// beyondLength returns "[:n]" where the slice whose pointer word w is at
// at reaches next beyond its length, in the rest of its backing array
// (s = s[:0] keeps what it held): s[:n][i] is how Go reaches it. It
// returns "" within the length, or where the live slice is not the one
// the dump saw.
func (t *typer) beyondLength(w gotypes.Word, at uint64, st, next Step) string {
	elem := gotypes.Pointee(w.Type)
	ptr := t.g.roots.Params.PtrSize
	b, ok := t.mem.read(at, 2*ptr)
	if !ok || elem == nil || elem.Size() <= 0 {
		return ""
	}
	order := byteOrder(t.g.roots.Params)
	if readWord(b, ptr, order) != st.Pointer {
		return ""
	}
	length := readWord(b[ptr:], ptr, order)
	index := (next.Field - (st.Pointer - st.Addr)) / uint64(elem.Size())
	if index < length {
		return ""
	}
	return fmt.Sprintf("[:%d]", index+1)
}

// mapSteps names the value of a map that steps[0], the map's header,
// leads to: it goes through the header, the directory and the table of a
// large map, and the group, and returns the number of steps these are,
// the index expression of the value ("[42]"; "[...]" where its key
// cannot be known, keys.go) and the selector inside it, or " (as a
// key)", and the word in the slot that points to the step after the
// group.
func (t *typer) mapSteps(m gotypes.Map, steps []Step) (n int, sel string, w gotypes.Word, ok bool) {
	// The header's directory pointer leads to the group of a small map,
	// or to the directory of tables of a large one: a directory's
	// pointers lead to tables, whose groups pointer leads on.
	if len(steps) < 3 || offsetIn(steps[0], steps[1]) != m.DirPtr {
		return 0, "", gotypes.Word{}, false
	}
	g := 1
	if len(steps) >= 5 && isTable(m, steps[2]) && offsetIn(steps[2], steps[3]) == m.GroupsData && !t.smallMap(m, steps[0]) {
		g = 3
	}
	group, next := steps[g], steps[g+1]
	gsize := m.Group.ByteSize
	// The groups start where the pointer to them points: a large
	// allocation starts with a header of the runtime's.
	off := offsetIn(group, next)
	if gsize <= 0 || group.Size < uint64(gsize) || off < 0 || next.Field >= group.Size {
		return 0, "", gotypes.Word{}, false
	}
	isKey, inner, w, ok := m.Slot(off % gsize)
	switch {
	case !ok:
		return 0, "", gotypes.Word{}, false
	case isKey && inner == "":
		// A pointer key: no index expression names the key itself.
		return g + 1, " (as a key)", w, true
	case isKey:
		return 0, "", gotypes.Word{}, false // a field of a key
	}
	key := t.keyText(m, group, next, off)
	if key == "" {
		key = "..."
	}
	return g + 1, "[" + key + "]" + inner, w, true
}

// smallMap reports whether the map whose header is st has no directory
// (its directory length is 0, read from the live process): its directory
// pointer points to its one group, whatever the sizes of the objects
// after it say (a map of maps: a group, then a header, is shaped as a
// directory, then a table).
func (t *typer) smallMap(m gotypes.Map, st Step) bool {
	if m.DirLen < 0 {
		return false
	}
	ptr := t.g.roots.Params.PtrSize
	b, ok := t.mem.read(st.Pointer+uint64(m.DirLen), ptr)
	return ok && readWord(b, ptr, byteOrder(t.g.roots.Params)) == 0
}

// isTable reports whether st is the size of a map table.
func isTable(m gotypes.Map, st Step) bool {
	size := uint64(m.Table.ByteSize)
	return st.Size >= size && st.Size < 2*size
}

// offsetIn returns the offset, from where the pointer to st points, of
// the word of st that points to next, or -1 if it is before it.
func offsetIn(st, next Step) int64 {
	base := st.Pointer - st.Addr
	if next.Field < base {
		return -1
	}
	return int64(next.Field - base)
}
