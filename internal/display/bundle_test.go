package display_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/objtrack/objtrack/internal/display"
)

type path struct{ Dir, File string }

type named string

func (n named) String() string { return "named:" + string(n) }

type boom struct{}

func (*boom) String() string { panic("nil receiver") }

func TestBundle(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{nil, "<nil>"},
		{"db:5432", `"db:5432"`},
		{"two\nlines", `"two\nlines"`},
		{42, "42"},
		{int64(-7), "-7"},
		{uint64(7), "7"},
		{map[string]int{"port": 5432}, "map[port:5432]"},
		{path{"a b", "c"}, "{Dir:a b File:c}"},
		{path{"a\nmain.Foo  allocated: 0", "c"}, `"{Dir:a\nmain.Foo  allocated: 0 File:c}"`},
		{[]string{"x", "\r"}, `"[x \r]"`},
		{errors.New("bad\nthing"), `"bad\nthing"`},
		{named("n"), `"named:n"`},
		{(*boom)(nil), `"<String panicked: nil receiver>"`},
		{"\u2028", `"\u2028"`},
		{[]byte{0xff}, "[255]"},
		{struct{ B []byte }{[]byte("\xff")}, "{B:[255]}"},
	} {
		got := display.Bundle(c.in)
		if got != c.want {
			t.Errorf("Bundle(%#v) = %s, want %s", c.in, got, c.want)
		}
		if strings.ContainsAny(got, "\n\r") {
			t.Errorf("Bundle(%#v) = %q spans lines", c.in, got)
		}
	}
}

func TestAppendBundleDoesNotAllocateForCommonBundles(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, v := range []any{nil, "s", 1, int64(2), uint64(3)} {
		if n := testing.AllocsPerRun(100, func() { buf = display.AppendBundle(buf[:0], v) }); n != 0 {
			t.Errorf("AppendBundle(%#v) allocates %v times", v, n)
		}
	}
}

func TestTextDoesNotPropagatePanics(t *testing.T) {
	if got := display.BundleText((*boom)(nil)); got != "<String panicked: nil receiver>" {
		t.Errorf("Text of a panicking Stringer = %q", got)
	}
	if got := display.BundleText("a\nb"); got != "a\nb" {
		t.Errorf("Text of a string = %q, want it as it is", got)
	}
}

// A large bundle is cut, at a rune boundary, with a note of what was cut.
func TestLargeBundlesAreCut(t *testing.T) {
	big := strings.Repeat("é", display.MaxBundleBytes) // 2 bytes a rune
	for _, got := range []string{display.Bundle(big), display.BundleText(big), display.Bundle([]string{big})} {
		if len(got) > display.MaxBundleBytes+32 {
			t.Errorf("a %d-byte bundle gave %d bytes of text", 2*display.MaxBundleBytes, len(got))
		}
		if !strings.Contains(got, " bytes more)") || !utf8.ValidString(got) {
			t.Errorf("cut text %q...: want valid UTF-8 ending with the bytes cut", got[:40])
		}
	}
}
