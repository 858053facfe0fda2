package gotypes

import (
	"encoding/binary"
)

// Sections are the DWARF sections, beside those debug/dwarf reads, that
// the location of a function's variable needs: debug/dwarf gives the
// offset of a variable's location list, not the list. An executable
// with DWARF 5 (Go's default since 1.25) has LocLists and Addr, one with
// DWARF 4 has Loc.
type Sections struct {
	LocLists []byte // .debug_loclists
	Loc      []byte // .debug_loc
	Addr     []byte // .debug_addr
	Order    binary.ByteOrder
	PtrSize  int
}

// A piece is a part of a variable's value, as its location expression
// places it: in the stack frame, at an offset from the frame's canonical
// frame address (the caller's stack pointer), or elsewhere (a register,
// a global: InFrame false). Size is 0 for a value placed whole.
type piece struct {
	InFrame bool
	Offset  int64
	Size    int64
}

// DWARF location operations that Go's compiler writes.
const (
	opAddr         = 0x03
	opConsts       = 0x11
	opPlus         = 0x22
	opPlusUconst   = 0x23
	opReg0         = 0x50
	opReg31        = 0x6f
	opRegx         = 0x90
	opFbreg        = 0x91
	opPiece        = 0x93
	opCallFrameCFA = 0x9c
)

// pieces reads a location expression whose frame base is the canonical
// frame address (Go's DW_AT_frame_base is DW_OP_call_frame_cfa). It
// returns false for an operation it does not know: the variable is then
// not named, rather than named wrong.
func pieces(expr []byte, ptrSize int) ([]piece, bool) {
	var out []piece
	cur := piece{}
	placed := false // cur has a location
	for r := (reader{b: expr}); !r.done(); {
		switch op := r.byte(); {
		case op == opFbreg:
			cur, placed = piece{InFrame: true, Offset: r.sleb()}, true
		case op == opCallFrameCFA:
			cur, placed = piece{InFrame: true}, true
		case op == opConsts && placed && cur.InFrame:
			// DW_OP_call_frame_cfa, DW_OP_consts n, DW_OP_plus.
			n := r.sleb()
			if r.done() || r.byte() != opPlus {
				return nil, false
			}
			cur.Offset += n
		case op == opPlusUconst && placed && cur.InFrame:
			cur.Offset += int64(r.uleb())
		case op >= opReg0 && op <= opReg31:
			cur, placed = piece{}, true
		case op == opRegx:
			r.uleb()
			cur, placed = piece{}, true
		case op == opAddr:
			r.skip(ptrSize)
			cur, placed = piece{}, true
		case op == opPiece:
			cur.Size = int64(r.uleb())
			if cur.Size == 0 {
				return nil, false
			}
			out = append(out, cur) // a piece with no location is optimized out
			cur, placed = piece{}, false
		default:
			return nil, false
		}
		if r.bad {
			return nil, false
		}
	}
	if placed {
		out = append(out, cur)
	}
	return out, true
}

// offsetIn returns the offset inside a variable's value of the frame
// word at off from the frame address, when the variable's pieces place
// that word: a variable placed whole covers size bytes.
func offsetIn(ps []piece, off, size int64) (int64, bool) {
	at := int64(0) // of the piece in the value
	for _, p := range ps {
		n := p.Size
		if n == 0 {
			n = size
		}
		if p.InFrame && off >= p.Offset && off < p.Offset+n {
			return at + off - p.Offset, true
		}
		at += n
	}
	return 0, false
}

// locationList is one variable's list of locations, by pc range.
type locationList struct {
	sec      *Sections
	addrBase int64  // the compile unit's offset into .debug_addr
	low      uint64 // the function's entry, the base when the list gives none
}

// at returns the location expression that a DWARF 5 list at offset off
// (or a DWARF 4 one, where the executable has no .debug_loclists) gives
// for pc, or false if none covers it.
func (l locationList) at(off int64, pc uint64) ([]byte, bool) {
	sec, at := l.sec.Loc, l.at4
	if len(l.sec.LocLists) > 0 {
		sec, at = l.sec.LocLists, l.at5
	}
	if off < 0 || off >= int64(len(sec)) {
		return nil, false
	}
	return at(reader{b: sec[off:], order: l.sec.Order}, pc)
}

// DWARF 5 location list entries.
const (
	lleEndOfList       = 0x0
	lleBaseAddressx    = 0x1
	lleStartxEndx      = 0x2
	lleStartxLength    = 0x3
	lleOffsetPair      = 0x4
	lleDefaultLocation = 0x5
	lleBaseAddress     = 0x6
	lleStartEnd        = 0x7
	lleStartLength     = 0x8
)

// at5 reads a DWARF 5 list.
func (l locationList) at5(r reader, pc uint64) ([]byte, bool) {
	s := l.sec
	base := l.low
	for !r.done() && !r.bad {
		var start, end uint64
		ranged := true
		switch kind := r.byte(); kind {
		case lleEndOfList:
			return nil, false
		case lleBaseAddressx:
			a, ok := l.addr(r.uleb())
			if !ok {
				return nil, false
			}
			base, ranged = a, false
		case lleStartxEndx:
			a, ok1 := l.addr(r.uleb())
			b, ok2 := l.addr(r.uleb())
			if !ok1 || !ok2 {
				return nil, false
			}
			start, end = a, b
		case lleStartxLength:
			a, ok := l.addr(r.uleb())
			if !ok {
				return nil, false
			}
			start = a
			end = a + r.uleb()
		case lleOffsetPair:
			start = base + r.uleb()
			end = base + r.uleb()
		case lleDefaultLocation:
			start, end = 0, ^uint64(0)
		case lleBaseAddress:
			base, ranged = r.word(s.PtrSize), false
		case lleStartEnd:
			start = r.word(s.PtrSize)
			end = r.word(s.PtrSize)
		case lleStartLength:
			start = r.word(s.PtrSize)
			end = start + r.uleb()
		default:
			return nil, false
		}
		if !ranged {
			continue
		}
		expr := r.bytes(int(r.uleb()))
		if !r.bad && pc >= start && pc < end {
			return expr, true
		}
	}
	return nil, false
}

// at4 reads a DWARF 4 list.
func (l locationList) at4(r reader, pc uint64) ([]byte, bool) {
	s := l.sec
	base := l.low
	most := ^uint64(0) >> (64 - 8*s.PtrSize) // the base address selection marker
	for !r.done() && !r.bad {
		a, b := r.word(s.PtrSize), r.word(s.PtrSize)
		switch {
		case a == 0 && b == 0:
			return nil, false
		case a == most:
			base = b
			continue
		}
		expr := r.bytes(int(r.u16()))
		if !r.bad && pc >= base+a && pc < base+b {
			return expr, true
		}
	}
	return nil, false
}

// addr reads entry i of the compile unit's addresses in .debug_addr.
func (l locationList) addr(i uint64) (uint64, bool) {
	s := l.sec
	at := l.addrBase + int64(i)*int64(s.PtrSize)
	if l.addrBase <= 0 || at < 0 || at+int64(s.PtrSize) > int64(len(s.Addr)) {
		return 0, false
	}
	r := reader{b: s.Addr[at:], order: s.Order}
	return r.word(s.PtrSize), true
}

// reader reads the encodings of DWARF sections; bad is set when it ran
// out of bytes.
type reader struct {
	b     []byte
	order binary.ByteOrder
	bad   bool
}

func (r *reader) done() bool { return len(r.b) == 0 }

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.bad, r.b = true, nil
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if r.bad {
			return 0
		}
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *reader) sleb() int64 {
	var v int64
	shift := uint(0)
	for {
		c := r.byte()
		if r.bad {
			return 0
		}
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

func (r *reader) u16() uint16 {
	b := r.bytes(2)
	if r.bad || r.order == nil {
		r.bad = true
		return 0
	}
	return r.order.Uint16(b)
}

func (r *reader) word(size int) uint64 {
	b := r.bytes(size)
	if r.bad || r.order == nil {
		r.bad = true
		return 0
	}
	if size == 4 {
		return uint64(r.order.Uint32(b))
	}
	return r.order.Uint64(b)
}
