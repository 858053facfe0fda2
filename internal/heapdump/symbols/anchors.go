package symbols

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"unsafe"
)

// Anchors: variables and functions whose addresses in the running process
// are known, one or two in each section that holds them, from this
// package and from the standard library, so that a symbol table can be
// checked against the process before it names anything.
var (
	dataAnchor      = &noptrDataAnchor // a pointer with an initial value: .data
	bssAnchor       *int               // a pointer without one: .bss
	noptrDataAnchor = [2]uint64{1, 2}  // no pointer, an initial value: .noptrdata
	noptrBSSAnchor  [2]uint64          // no pointer, no initial value: .noptrbss
)

func textAnchor() {}

// anchorType gives this package's import path.
type anchorType struct{}

// anchor is a symbol and its address in the running process.
type anchor struct {
	name string
	addr uint64
}

func anchors() []anchor {
	pkg := reflect.TypeFor[anchorType]().PkgPath()
	addr := func(p unsafe.Pointer) uint64 { return uint64(uintptr(p)) }
	return []anchor{
		{pkg + ".dataAnchor", addr(unsafe.Pointer(&dataAnchor))},
		{"io.EOF", addr(unsafe.Pointer(&io.EOF))},
		{pkg + ".bssAnchor", addr(unsafe.Pointer(&bssAnchor))},
		{"os.Args", addr(unsafe.Pointer(&os.Args))},
		{pkg + ".noptrDataAnchor", addr(unsafe.Pointer(&noptrDataAnchor))},
		{"runtime.MemProfileRate", addr(unsafe.Pointer(&runtime.MemProfileRate))},
		{pkg + ".noptrBSSAnchor", addr(unsafe.Pointer(&noptrBSSAnchor))},
		{pkg + ".textAnchor", uint64(reflect.ValueOf(textAnchor).Pointer())},
		{"runtime.GC", uint64(reflect.ValueOf(runtime.GC).Pointer())},
	}
}

// verify checks a table against the running process with the anchors and
// returns it with the addresses of the process: in each section that
// holds anchors, every anchor must be at its address in the process, or
// all of them shifted by the same amount (an executable loaded at another
// base), which is then applied to the section. Symbols of sections
// without anchors are dropped. The sections of the data and bss anchors
// must be among those kept.
func verify(t *Table, list []anchor) (*Table, error) {
	shifts := map[string]uint64{}
	for _, a := range list {
		s, ok := t.Lookup(a.name)
		if !ok {
			return nil, fmt.Errorf("symbols: the table has no symbol %s", a.name)
		}
		shift := a.addr - s.Addr
		if prev, ok := shifts[s.Section]; ok && prev != shift {
			return nil, fmt.Errorf("symbols: the table does not match the running executable: in section %s, %s is at %#x here and %#x in the table, and other symbols are moved by %#x", s.Section, a.name, a.addr, s.Addr, prev)
		}
		shifts[s.Section] = shift
	}
	out := &Table{sizesGuessed: t.sizesGuessed, types: t.types, typesErr: t.typesErr} // types are by name: no shift
	var kept []Symbol
	for _, s := range t.byName {
		if shift, ok := shifts[s.Section]; ok {
			s.Addr += shift
			kept = append(kept, s)
		}
	}
	// Symbols marking the ends of segments may be filed in the section
	// that follows: keep them with the shift of the section before.
	for _, name := range []string{"runtime.data", "runtime.edata", "runtime.bss", "runtime.ebss", "runtime.noptrdata", "runtime.enoptrdata", "runtime.noptrbss", "runtime.enoptrbss"} {
		s, ok := t.Lookup(name)
		if !ok || slices.ContainsFunc(kept, func(k Symbol) bool { return k.Name == name }) {
			continue
		}
		if shift, ok := shifts[sectionBefore(t, s.Addr)]; ok {
			s.Addr += shift
			kept = append(kept, s)
		}
	}
	for _, s := range t.sections {
		if shift, ok := shifts[s.Name]; ok {
			s.Addr += shift
			out.sections = append(out.sections, s)
		}
	}
	slices.SortFunc(kept, func(a, b Symbol) int { return strings.Compare(a.Name, b.Name) })
	out.index(kept)
	return out, nil
}

// sectionBefore names the section that contains addr, or that ends at
// addr.
func sectionBefore(t *Table, addr uint64) string {
	for _, s := range t.sections {
		if addr > s.Addr && addr <= s.Addr+s.Size {
			return s.Name
		}
	}
	for _, s := range t.sections {
		if addr == s.Addr {
			return s.Name
		}
	}
	return ""
}
