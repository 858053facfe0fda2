package gotypes

import (
	"debug/elf"
	"encoding/binary"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The location expressions that Go's compiler writes: a variable in the
// frame (DW_OP_fbreg), in a register, in pieces, some optimized out.
func TestPiecesOfLocationExpressions(t *testing.T) {
	for _, c := range []struct {
		name string
		expr []byte
		want []piece
		ok   bool
	}{
		{"in the frame", []byte{opFbreg, 0x68}, []piece{{InFrame: true, Offset: -24}}, true},
		{"above the frame address", []byte{opFbreg, 0x08}, []piece{{InFrame: true, Offset: 8}}, true},
		{"the frame address plus a constant", []byte{opCallFrameCFA, opConsts, 0x10, opPlus}, []piece{{InFrame: true, Offset: 16}}, true},
		{"in a register", []byte{opReg0 + 2}, []piece{{}}, true},
		{"in pieces, one optimized out", []byte{opPiece, 8, opFbreg, 0x70, opPiece, 8, opRegx, 17, opPiece, 8}, []piece{{Size: 8}, {InFrame: true, Offset: -16, Size: 8}, {Size: 8}}, true},
		{"an unknown operation", []byte{0x06}, nil, false},
		{"cut short", []byte{opFbreg}, nil, false},
		{"an empty piece", []byte{opFbreg, 0x68, opPiece, 0}, nil, false},
		{"a constant without a frame address", []byte{opConsts, 1, opPlus}, nil, false},
	} {
		got, ok := pieces(c.expr, 8)
		assert.Equal(t, c.ok, ok, c.name)
		if c.ok {
			assert.Equal(t, c.want, got, c.name)
		}
	}
}

func TestOffsetInPieces(t *testing.T) {
	whole := []piece{{InFrame: true, Offset: -24}}
	split := []piece{{Size: 8}, {InFrame: true, Offset: -16, Size: 8}, {InFrame: true, Offset: -40, Size: 8}}
	for _, c := range []struct {
		name    string
		ps      []piece
		off     int64
		want    int64
		placed  bool
		varSize int64
	}{
		{"the first word of a whole value", whole, -24, 0, true, 16},
		{"its second word", whole, -16, 8, true, 16},
		{"past its end", whole, -8, 0, false, 16},
		{"below it", whole, -32, 0, false, 16},
		{"the second piece", split, -16, 8, true, 24},
		{"the third piece", split, -40, 16, true, 24},
		{"where no piece is", split, -24, 0, false, 24},
	} {
		got, ok := offsetIn(c.ps, c.off, c.varSize)
		assert.Equal(t, c.placed, ok, c.name)
		if c.placed {
			assert.Equal(t, c.want, got, c.name)
		}
	}
}

// A DWARF 5 location list as Go writes it: a base address from
// .debug_addr, then offset pairs; and the DWARF 4 form, with a base
// address selection.
func TestLocationLists(t *testing.T) {
	order := binary.LittleEndian
	addr := make([]byte, 8+16) // a header, then two addresses
	order.PutUint64(addr[8:], 0x1000)
	order.PutUint64(addr[16:], 0x2000)
	list5 := []byte{
		lleBaseAddressx, 1, // base 0x2000
		lleOffsetPair, 0x00, 0x10, 1, opReg0, // [0x2000, 0x2010): a register
		lleOffsetPair, 0x10, 0x20, 2, opFbreg, 0x68, // [0x2010, 0x2020): the frame
		lleEndOfList,
	}
	sec := &Sections{LocLists: list5, Addr: addr, Order: order, PtrSize: 8}
	l := locationList{sec: sec, addrBase: 8, low: 0x2000}
	for pc, want := range map[uint64][]byte{0x2000: {opReg0}, 0x200f: {opReg0}, 0x2010: {opFbreg, 0x68}, 0x201f: {opFbreg, 0x68}, 0x2020: nil, 0x1fff: nil} {
		got, ok := l.at(0, pc)
		assert.Equal(t, want != nil, ok, "pc %#x", pc)
		assert.Equal(t, want, got, "pc %#x", pc)
	}
	_, ok := l.at(int64(len(list5)), 0x2000)
	assert.False(t, ok, "an offset past the section")
	bad := locationList{sec: sec, addrBase: 0, low: 0x2000}
	_, ok = bad.at(0, 0x2000)
	assert.False(t, ok, "no .debug_addr base: the base address cannot be read")

	var list4 []byte
	word := func(v uint64) { list4 = order.AppendUint64(list4, v) }
	word(^uint64(0))
	word(0x3000) // base
	word(0x0)
	word(0x8)
	list4 = append(list4, 2, 0, opFbreg, 0x70)
	word(0)
	word(0) // end
	l4 := locationList{sec: &Sections{Loc: list4, Order: order, PtrSize: 8}, low: 0x3000}
	got, ok := l4.at(0, 0x3004)
	assert.True(t, ok)
	assert.Equal(t, []byte{opFbreg, 0x70}, got)
	_, ok = l4.at(0, 0x3008)
	assert.False(t, ok)
}

// shapesWithSections builds testdata/shapes and returns its types with
// the sections of its variables' locations, and its symbols.
func shapesWithSections(t *testing.T) (*Types, map[string]uint64) {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "shapes")
	out, err := exec.Command("go", "build", "-o", exe, "./testdata/shapes").CombinedOutput()
	require.NoError(t, err, "%s", out)
	f, err := elf.Open(exe)
	if err != nil {
		t.Skipf("not an ELF executable here: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	d, err := f.DWARF()
	require.NoError(t, err)
	types := New(d)
	data := func(name string) []byte {
		s := f.Section(name)
		if s == nil {
			return nil
		}
		b, err := s.Data()
		require.NoError(t, err)
		return b
	}
	ptr := 8
	if f.Class == elf.ELFCLASS32 {
		ptr = 4
	}
	types.SetSections(Sections{LocLists: data(".debug_loclists"), Loc: data(".debug_loc"), Addr: data(".debug_addr"), Order: f.ByteOrder, PtrSize: ptr})
	syms, err := f.Symbols()
	require.NoError(t, err)
	funcs := map[string]uint64{}
	for _, s := range syms {
		funcs[s.Name] = s.Value
	}
	return types, funcs
}

func TestClosureLocalNamesCapturedVariables(t *testing.T) {
	types, funcs := shapesWithSections(t)
	const closure = "main.capture.func1"
	entry, ok := funcs[closure]
	require.True(t, ok, "the closure's symbol")
	name, ok := types.FuncAt(entry)
	require.True(t, ok)
	assert.Equal(t, closure, name)

	found := map[string]Local{}
	for off := int64(1); off < 64; off++ {
		if l, ok := types.ClosureLocal(entry, off, closure); ok && l.Offset == 0 {
			found[l.Name] = l
		}
	}
	require.Contains(t, found, "c")
	require.Contains(t, found, "n")
	assert.False(t, found["c"].ByReference, "c is captured by value")
	assert.Equal(t, "*main.Conn", Name(found["c"].Type))
	assert.True(t, found["n"].ByReference, "n is captured by reference: the closure holds a pointer to it")
	assert.Equal(t, "*int", Name(found["n"].Type))
	assert.Equal(t, closure, found["c"].Func)

	_, ok = types.ClosureLocal(entry, 0, closure)
	assert.False(t, ok, "the closure's first word is its code, no variable")
	_, ok = types.ClosureLocal(entry, 8, "main.other")
	assert.False(t, ok, "a name that is not the function's: the DWARF is not the process's")
	_, ok = types.ClosureLocal(entry+1, 8, closure)
	assert.False(t, ok, "no function starts there")
	_, ok = types.StackLocal(entry+1, entry+8, false, -8, closure)
	assert.False(t, ok, "no function starts there")
}

func TestPointerWords(t *testing.T) {
	types := shapes(t)
	for name, want := range map[string]int{"main.Conn": 0, "main.Base": 1, "main.Cache": 2, "string": 1, "*main.Conn": 1} {
		typ, ok := types.ByName(name)
		require.True(t, ok, name)
		assert.Equal(t, want, pointerWords(typ, 0), name)
	}
}
