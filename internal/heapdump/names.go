package heapdump

import (
	"strings"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
	"github.com/objtrack/objtrack/internal/heapdump/symbols"
)

// noSymbolTable is why globals are unnamed when no symbol table is given.
const noSymbolTable = "no symbol table: build with -ldflags=-s=false to name it"

// globalNamer names the pointers of the data and bss segments with a
// symbol table.
type globalNamer struct {
	table   *symbols.Table
	dump    *Dump
	reason  string // why nothing can be named; "" when the table fits
	untyped bool   // name the variables only (SearchOptions.Untyped)
}

func newGlobalNamer(d *Dump, opts SearchOptions) *globalNamer {
	n := &globalNamer{table: opts.Symbols, dump: d, untyped: opts.Untyped}
	switch {
	case opts.Symbols == nil && opts.NoSymbols != "":
		n.reason = opts.NoSymbols
	case opts.Symbols == nil:
		n.reason = noSymbolTable
	case !fits(opts.Symbols, "runtime.data", "runtime.edata", &d.Data) || !fits(opts.Symbols, "runtime.bss", "runtime.ebss", &d.BSS):
		n.reason = "the symbol table is not that of the executable that wrote the dump"
	}
	return n
}

// fits reports whether the segment the table places between the symbols
// start and end is the dump's.
func fits(t *symbols.Table, start, end string, seg *Segment) bool {
	s, ok1 := t.Lookup(start)
	e, ok2 := t.Lookup(end)
	return ok1 && ok2 && s.Addr == seg.Addr && e.Addr-s.Addr == uint64(len(seg.Contents))
}

// name names the variable that holds slot.
func (n *globalNamer) name(slot uint64, g *GlobalRoot) {
	if n.reason != "" {
		g.Unnamed = n.reason
		return
	}
	sym, ok := n.table.Containing(slot)
	if ok && !compilerMade(sym.Name) {
		g.Name, g.NameOffset = sym.Name, slot-sym.Addr
		n.selector(g)
		return
	}
	// Static data the compiler laid out for an initial value: find the
	// variable that points to it, the pointer nearest below slot from
	// where the data may start.
	lower := uint64(0)
	if ok {
		lower = sym.Addr
	} else if prev, ok := n.table.Before(slot); ok {
		lower = prev.Addr + prev.Size
	}
	holder, value, found := n.pointerInto(lower, slot)
	if found {
		if hs, ok := n.table.Containing(holder); ok && !compilerMade(hs.Name) {
			g.Name, g.NameOffset, g.Static = hs.Name, slot-value, true
			n.selector(g)
			return
		}
	}
	g.Unnamed = "no symbol covers it"
}

// selector names the pointer of g inside its variable by the variable's
// type, where the executable's DWARF gives it; g stays untyped (named by
// its offset) where it does not.
func (n *globalNamer) selector(g *GlobalRoot) {
	types, err := n.table.Types()
	if err != nil || n.untyped {
		return
	}
	typ, err := types.Variable(g.Name)
	if err != nil {
		return
	}
	if g.Static {
		// The static value is what the variable points to.
		if typ = gotypes.Pointee(typ); typ == nil {
			return
		}
	}
	if sel, w, ok := gotypes.Selector(typ, int64(g.NameOffset)); ok {
		g.Selector, g.Typed, g.word = sel, true, w
	}
}

// pointerInto finds, in the data and bss segments, the pointer with the
// highest value in [lower, upper]; it returns its address and value.
func (n *globalNamer) pointerInto(lower, upper uint64) (holder, value uint64, found bool) {
	p := n.dump.Params
	order := byteOrder(p)
	for _, seg := range []*Segment{&n.dump.Data, &n.dump.BSS} {
		for _, off := range seg.Pointers {
			v := readWord(seg.Contents[off:], p.PtrSize, order)
			if v >= lower && v <= upper && (!found || v > value) {
				holder, value, found = seg.Addr+off, v, true
			}
		}
	}
	return holder, value, found
}

// compilerMade reports whether a symbol is one the compiler or linker
// made, rather than a variable of the program.
func compilerMade(name string) bool {
	return strings.HasPrefix(name, "go:") || strings.HasPrefix(name, "type:") || strings.Contains(name, "..stmp_")
}
