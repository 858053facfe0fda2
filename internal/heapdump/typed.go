package heapdump

import (
	"debug/dwarf"
	"fmt"
	"strings"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
)

// A path from a global whose variable's type DWARF gives reads as the Go
// expression that reaches the target: the root's selector, then, step by
// step, the field or element of each object that holds the next pointer
// (internal/heapdump/gotypes), and m["key"] for a map's value (keys.go;
// m[...] where the key cannot be known), whatever objects of the map's
// own the value is in, or "m (as a key)" for a pointer key. The
// expression stops where a type cannot be known (an interface's dynamic
// type, an object whose layout does not match its type); the steps it
// covers are not listed by size.

// typer types the paths of one search.
type typer struct {
	g   *Graph
	mem *liveMemory // nil where the dump is not this process's, or its memory cannot be read
}

// typeSteps follows the types of the words of a path, from w, the word of
// the root that holds the first pointer, down its steps. It returns the
// expression that continues the root's ("[2].conn", ".conns[...]"), the
// number of leading steps it covers, and the type of the word that
// points to the next step (that is, to the target when all are covered).
func (t *typer) typeSteps(w gotypes.Word, steps []Step) (expr string, covered int, last dwarf.Type) {
	var b strings.Builder
	for i := 0; i+1 < len(steps); {
		if m, ok := gotypes.MapOf(w.Type); ok && w.Kind == gotypes.Plain {
			n, sel, next, ok := t.mapSteps(m, steps[i:])
			if !ok {
				break
			}
			b.WriteString(sel)
			w, i = next, i+n
			covered = i
			continue
		}
		sel, next, ok := objectStep(w, steps[i], steps[i+1])
		if !ok {
			break
		}
		b.WriteString(sel)
		w, i = next, i+1
		covered = i
	}
	if covered == 0 {
		return "", 0, nil
	}
	return b.String(), covered, w.Type
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
	if w.Kind == gotypes.SliceArray || index != 0 {
		sel = fmt.Sprintf("[%d]", index) + sel
	}
	return sel, nw, true
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
	if len(steps) >= 5 && isTable(m, steps[2]) && offsetIn(steps[2], steps[3]) == m.GroupsData {
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
