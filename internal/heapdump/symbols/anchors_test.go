package symbols

import (
	"strings"
	"testing"
)

// fakeTable is a table with the anchors at the addresses of list, each
// moved by the shift of its section, and a variable in each section.
func fakeTable(list []anchor, sectionOf func(name string) string, shift func(section string) uint64) *Table {
	t := &Table{}
	var syms []Symbol
	seen := map[string]bool{}
	for _, a := range list {
		sec := sectionOf(a.name)
		syms = append(syms, Symbol{Name: a.name, Addr: a.addr - shift(sec), Size: 8, Section: sec})
		if !seen[sec] {
			seen[sec] = true
			syms = append(syms, Symbol{Name: "v" + sec, Addr: a.addr - shift(sec) + 8, Size: 8, Section: sec})
			t.sections = append(t.sections, Section{Name: sec, Addr: a.addr - shift(sec) - 4096, Size: 1 << 20})
		}
	}
	syms = append(syms, Symbol{Name: "elsewhere", Addr: 16, Size: 8, Section: ".other"})
	t.index(syms)
	return t
}

// sectionOfAnchor files the anchors as the Go linker does on ELF.
func sectionOfAnchor(name string) string {
	for suffix, sec := range map[string]string{
		".dataAnchor": ".data", "io.EOF": ".data", ".bssAnchor": ".bss", "os.Args": ".bss",
		".noptrDataAnchor": ".noptrdata", "MemProfileRate": ".noptrdata", ".noptrBSSAnchor": ".noptrbss",
	} {
		if strings.HasSuffix(name, suffix) {
			return sec
		}
	}
	return ".text"
}

func TestVerifyAcceptsTheProcessLayout(t *testing.T) {
	list := anchors()
	got, err := verify(fakeTable(list, sectionOfAnchor, func(string) uint64 { return 0 }), list)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if s, ok := got.Lookup(a.name); !ok || s.Addr != a.addr {
			t.Errorf("%s at %#x, want %#x", a.name, s.Addr, a.addr)
		}
	}
	if _, ok := got.Lookup("elsewhere"); ok {
		t.Error("a symbol of a section without anchors was kept")
	}
}

func TestVerifyAppliesAShiftPerSection(t *testing.T) {
	list := anchors()
	shifts := map[string]uint64{".data": 0x10000, ".bss": 0x20000, ".noptrdata": 0x10000, ".noptrbss": 0, ".text": 0x400000}
	got, err := verify(fakeTable(list, sectionOfAnchor, func(s string) uint64 { return shifts[s] }), list)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range []string{".data", ".bss"} {
		v, _ := got.Lookup("v" + sec)
		want, _ := got.Lookup(list[0].name)
		if sec == ".bss" {
			want, _ = got.Lookup(list[2].name)
		}
		if v.Addr != want.Addr+8 {
			t.Errorf("v%s at %#x, want %#x: moved with its section's anchors", sec, v.Addr, want.Addr+8)
		}
	}
}

func TestVerifyRejectsDisagreeingAnchors(t *testing.T) {
	list := anchors()
	table := fakeTable(list, sectionOfAnchor, func(string) uint64 { return 0 })
	// io.EOF moved alone: the .data section does not match the process.
	s, _ := table.Lookup("io.EOF")
	s.Addr += 64
	table.byName["io.EOF"] = s
	if _, err := verify(table, list); err == nil || !strings.Contains(err.Error(), "does not match the running executable") {
		t.Fatalf("verify: %v, want a mismatch in .data", err)
	}
	delete(table.byName, "io.EOF")
	if _, err := verify(table, list); err == nil || !strings.Contains(err.Error(), "no symbol io.EOF") {
		t.Fatalf("verify: %v, want a missing anchor", err)
	}
}
