package heapdump

import (
	"debug/dwarf"
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
)

// A long expression is shortened in the middle, as a long path is.
func TestShortenKeepsBothEndsOfALongExpression(t *testing.T) {
	parts := strings.Split(strings.Repeat(".next,", 100)+".conn", ",")
	got := shorten(parts)
	want := ".next.next.next.next.next.next ... 89 more steps ... .next.next.next.next.next.conn"
	if got != want {
		t.Errorf("shorten = %q, want %q", got, want)
	}
	if got := shorten([]string{".a", "[2]", ".b"}); got != ".a[2].b" {
		t.Errorf("a short expression is %q, want it whole", got)
	}
}

// A pointer names its pointee only: another element of its allocation is
// not an expression of it, nor is its pointee when that is no struct or
// array (Go writes *p, not p).
func TestObjectStepRejectsWhatAPointerDoesNotName(t *testing.T) {
	conn := &dwarf.StructType{StructName: "db.Conn", CommonType: dwarf.CommonType{ByteSize: 16}}
	ptr := func(to dwarf.Type) *dwarf.PtrType {
		return &dwarf.PtrType{CommonType: dwarf.CommonType{ByteSize: 8}, Type: to}
	}
	pp := gotypes.Word{Type: ptr(ptr(conn))} // **db.Conn, into a []*db.Conn
	st := Step{Addr: 0x1000, Size: 64, Pointer: 0x1018}
	if sel, _, ok := objectStep(pp, st, Step{Field: 0x30}); ok {
		t.Errorf("a **Conn at s[3] names s[6] as %q", sel)
	}
	if sel, _, ok := objectStep(pp, st, Step{Field: 0x18}); ok {
		t.Errorf("a **Conn names its pointee as %q, where Go writes *p", sel)
	}
	slice := gotypes.Word{Type: ptr(ptr(conn)), Kind: gotypes.SliceArray}
	if sel, _, ok := objectStep(slice, Step{Addr: 0x1000, Size: 64, Pointer: 0x1000}, Step{Field: 0x30}); !ok || sel != "[6]" {
		t.Errorf("a slice's element: %q, %v; want [6]", sel, ok)
	}
}
