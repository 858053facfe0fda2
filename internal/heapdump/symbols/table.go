// Package symbols names the addresses of an executable's package-level
// variables and functions, from its symbol table: "example.com/db.registry"
// for an address in the data segment.
//
// [Open] reads the table of an executable file (ELF, Mach-O or PE).
// [ForProcess] finds the table of the running process, and when it has
// none, as binaries built by go test and go run have not, rebuilds the
// test binary with one and checks that its layout is the running one's.
//
// The check compares the addresses of anchors (variables of this package
// and of the standard library in .data, .bss, .noptrdata and .noptrbss,
// and two functions) in the table with their addresses in the process. It
// is what makes a rebuild safe to use: go test records most build
// settings in the binary, but not all of them (-coverpkg, -covermode,
// -toolexec, -overlay are not), and a rebuild without them is laid out
// differently; the check then refuses it, and globals stay unnamed with
// the reason. Mach-O and PE files give no symbol sizes: each symbol is
// taken to run to the next.
package symbols

import (
	"cmp"
	"debug/dwarf"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
)

// Symbol is a symbol of an executable.
type Symbol struct {
	Name    string // "example.com/db.registry"
	Addr    uint64
	Size    uint64
	Section string // the section it is in: ".data", "__bss"...
}

// Contains reports whether addr is inside the symbol.
func (s Symbol) Contains(addr uint64) bool { return addr >= s.Addr && addr-s.Addr < s.Size }

// Section is a section of an executable.
type Section struct {
	Name string
	Addr uint64
	Size uint64
}

// Table is the symbol table of an executable, looked up by address or by
// name. It is safe for concurrent use.
type Table struct {
	byAddr   []Symbol // symbols of nonzero size, by address
	byName   map[string]Symbol
	sections []Section
	// sizesGuessed is true when the file gives no sizes (Mach-O, PE): a
	// symbol's size then runs to the next symbol, and a symbol that is
	// not in the table (compiler-made static data) looks like a part of
	// the one before it.
	sizesGuessed bool
	// types are the executable's DWARF types, read with its symbols
	// (a rebuilt test binary is removed once read); typesErr says why
	// there are none.
	types    *gotypes.Types
	typesErr error
}

// Types returns the types that the executable's DWARF describes, which
// name the fields and elements of its variables, or why there are none
// (an executable linked with -ldflags=-w).
func (t *Table) Types() (*gotypes.Types, error) {
	if t.types == nil && t.typesErr == nil {
		return nil, errors.New("no DWARF read: the table was not read from an executable")
	}
	return t.types, t.typesErr
}

// readTypes reads the DWARF of an executable and the sections of its
// variables' locations, which section gives by name (without its
// leading "." or "__"), nil where the file has none.
func (t *Table) readTypes(read func() (*dwarf.Data, error), section func(name string) []byte, order binary.ByteOrder, ptrSize int) {
	d, err := read()
	if err != nil {
		t.typesErr = fmt.Errorf("no DWARF (build with -ldflags=-w=false to name fields): %v", err)
		return
	}
	t.types = gotypes.New(d)
	t.types.SetSections(gotypes.Sections{
		LocLists: section("debug_loclists"),
		Loc:      section("debug_loc"),
		Addr:     section("debug_addr"),
		Order:    order,
		PtrSize:  ptrSize,
	})
}

// ErrNoSymbols is returned by Open for an executable built without a
// symbol table (-ldflags=-s).
var ErrNoSymbols = errors.New("no symbol table")

// Open reads the symbol table of the executable at path, with the
// addresses it gives (those of the running process, unless it was loaded
// at another base).
func Open(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if ef, err := elf.NewFile(f); err == nil {
		return fromELF(ef, path)
	}
	if mf, err := macho.NewFile(f); err == nil {
		return fromMachO(mf, path)
	}
	if pf, err := pe.NewFile(f); err == nil {
		return fromPE(pf, path)
	}
	return nil, fmt.Errorf("symbols: %s is not an ELF, Mach-O or PE executable", path)
}

func fromELF(f *elf.File, path string) (*Table, error) {
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) || (err == nil && len(syms) == 0) {
		return nil, fmt.Errorf("symbols: %s: %w", path, ErrNoSymbols)
	}
	if err != nil {
		return nil, fmt.Errorf("symbols: %s: %v", path, err)
	}
	t := &Table{}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 {
			t.sections = append(t.sections, Section{Name: s.Name, Addr: s.Addr, Size: s.Size})
		}
	}
	var list []Symbol
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF || int(s.Section) >= len(f.Sections) || s.Name == "" {
			continue
		}
		list = append(list, Symbol{Name: s.Name, Addr: s.Value, Size: s.Size, Section: f.Sections[s.Section].Name})
	}
	t.index(list)
	ptrSize := 8
	if f.Class == elf.ELFCLASS32 {
		ptrSize = 4
	}
	t.readTypes(f.DWARF, func(name string) []byte { s := f.Section("." + name); return sectionData(s, s != nil) }, f.ByteOrder, ptrSize)
	return t, nil
}

// sectionData returns the contents of a section that the file has
// (found), nil for one it has not or that cannot be read.
func sectionData(s interface{ Data() ([]byte, error) }, found bool) []byte {
	if !found {
		return nil
	}
	b, err := s.Data()
	if err != nil {
		return nil
	}
	return b
}

func fromMachO(f *macho.File, path string) (*Table, error) {
	if f.Symtab == nil || len(f.Symtab.Syms) == 0 {
		return nil, fmt.Errorf("symbols: %s: %w", path, ErrNoSymbols)
	}
	t := &Table{sizesGuessed: true}
	for _, s := range f.Sections {
		t.sections = append(t.sections, Section{Name: s.Name, Addr: s.Addr, Size: s.Size})
	}
	var list []Symbol
	for _, s := range f.Symtab.Syms {
		// Sect is 1-based; 0 means no section. In Type, 0xe0 marks
		// debugging entries and 0x0e == 0x0e a symbol defined in a section.
		if s.Sect == 0 || int(s.Sect) > len(f.Sections) || s.Type&0xe0 != 0 || s.Type&0x0e != 0x0e || s.Name == "" {
			continue
		}
		list = append(list, Symbol{Name: s.Name, Addr: s.Value, Section: f.Sections[s.Sect-1].Name})
	}
	t.guessSizes(list)
	t.index(list)
	ptrSize := 8
	if f.Magic == macho.Magic32 {
		ptrSize = 4
	}
	t.readTypes(f.DWARF, func(name string) []byte { s := f.Section("__" + name); return sectionData(s, s != nil) }, f.ByteOrder, ptrSize)
	return t, nil
}

func fromPE(f *pe.File, path string) (*Table, error) {
	if len(f.Symbols) == 0 {
		return nil, fmt.Errorf("symbols: %s: %w", path, ErrNoSymbols)
	}
	var base uint64
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		base = uint64(h.ImageBase)
	case *pe.OptionalHeader64:
		base = h.ImageBase
	}
	t := &Table{sizesGuessed: true}
	for _, s := range f.Sections {
		t.sections = append(t.sections, Section{Name: s.Name, Addr: base + uint64(s.VirtualAddress), Size: uint64(s.VirtualSize)})
	}
	var list []Symbol
	for _, s := range f.Symbols {
		if s.SectionNumber <= 0 || int(s.SectionNumber) > len(f.Sections) || s.Name == "" {
			continue
		}
		sec := f.Sections[s.SectionNumber-1]
		list = append(list, Symbol{Name: s.Name, Addr: base + uint64(sec.VirtualAddress) + uint64(s.Value), Section: sec.Name})
	}
	t.guessSizes(list)
	t.index(list)
	ptrSize := 8
	if _, ok := f.OptionalHeader.(*pe.OptionalHeader32); ok {
		ptrSize = 4
	}
	t.readTypes(f.DWARF, func(name string) []byte { s := f.Section("." + name); return sectionData(s, s != nil) }, binary.LittleEndian, ptrSize)
	return t, nil
}

// guessSizes gives each symbol the room up to the next symbol of its
// section, or to the section's end.
func (t *Table) guessSizes(list []Symbol) {
	slices.SortFunc(list, func(a, b Symbol) int {
		return cmp.Or(cmp.Compare(a.Section, b.Section), cmp.Compare(a.Addr, b.Addr))
	})
	for i := range list {
		end := list[i].Addr
		if sec, ok := t.Section(list[i].Section); ok {
			end = sec.Addr + sec.Size
		}
		for j := i + 1; j < len(list) && list[j].Section == list[i].Section; j++ {
			if list[j].Addr > list[i].Addr {
				end = list[j].Addr
				break
			}
		}
		list[i].Size = end - list[i].Addr
	}
}

// index builds the lookups.
func (t *Table) index(list []Symbol) {
	t.byName = make(map[string]Symbol, len(list))
	t.byAddr = t.byAddr[:0]
	for _, s := range list {
		if _, dup := t.byName[s.Name]; !dup {
			t.byName[s.Name] = s
		}
		if s.Size > 0 {
			t.byAddr = append(t.byAddr, s)
		}
	}
	slices.SortStableFunc(t.byAddr, func(a, b Symbol) int { return cmp.Compare(a.Addr, b.Addr) })
}

// Len is the number of symbols.
func (t *Table) Len() int { return len(t.byName) }

// SizesGuessed reports whether the executable gave no symbol sizes, so
// that each symbol is taken to run to the next one (Mach-O and PE).
func (t *Table) SizesGuessed() bool { return t.sizesGuessed }

// Lookup returns the symbol of a name.
func (t *Table) Lookup(name string) (Symbol, bool) {
	s, ok := t.byName[name]
	return s, ok
}

// Before returns the symbol of nonzero size that starts last at or before
// addr; it contains addr or ends before it.
func (t *Table) Before(addr uint64) (Symbol, bool) {
	i, _ := slices.BinarySearchFunc(t.byAddr, addr, func(s Symbol, a uint64) int {
		if s.Addr <= a {
			return -1
		}
		return 1
	})
	if i == 0 {
		return Symbol{}, false
	}
	return t.byAddr[i-1], true
}

// Containing returns the symbol that contains addr.
func (t *Table) Containing(addr uint64) (Symbol, bool) {
	s, ok := t.Before(addr)
	if !ok || !s.Contains(addr) {
		return Symbol{}, false
	}
	return s, true
}

// Section returns the section of a name.
func (t *Table) Section(name string) (Section, bool) {
	for _, s := range t.sections {
		if s.Name == name {
			return s, true
		}
	}
	return Section{}, false
}
