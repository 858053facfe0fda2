//go:build !objtrack_nolinkname

package typename

import (
	"reflect"
	"unsafe"
)

// Listed reports whether the program's types can be listed, so that a
// name that names none of them is known to be wrong.
const Listed = true

// typelinks is the runtime's list of the types that package reflect may
// look up by their string: for each module, the base of its type section
// and the offsets of the types in it. It is internal to package reflect,
// but the runtime keeps it reachable by linkname on purpose, because
// widely used packages depend on it (see the comment on
// reflect_typelinks in $GOROOT/src/runtime/runtime1.go, and
// go.dev/issue/67401): "Do not remove or change the type signature."
// Build with -tags objtrack_nolinkname to do without it (see
// typelinks_nolinkname.go).
//
//go:linkname typelinks reflect.typelinks
func typelinks() (sections []unsafe.Pointer, offset [][]int32)

// eface is the layout of an empty interface: a type word and a data word.
type eface struct {
	typ, data unsafe.Pointer
}

// linkedTypes returns the types that typelinks lists: pointer, slice,
// array, map, channel, function and struct types that the linker kept.
// Each offset leads to a type descriptor, made into a reflect.Type the
// way package reflect does it for an interface value: only the type word
// is read, so the data word stays nil.
func linkedTypes() []reflect.Type {
	sections, offsets := typelinks()
	var out []reflect.Type
	for i, offs := range offsets {
		for _, off := range offs {
			var v any
			(*eface)(unsafe.Pointer(&v)).typ = unsafe.Add(sections[i], off)
			out = append(out, reflect.TypeOf(v))
		}
	}
	return out
}
