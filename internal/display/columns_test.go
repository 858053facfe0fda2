package display_test

import (
	"testing"

	"github.com/objtrack/objtrack/internal/display"
)

func TestFigure(t *testing.T) {
	for _, c := range []struct {
		now, change int64
		show        bool
		want        string
	}{
		{20, 3, true, "20 (+3)"},
		{17, -3, true, "17 (-3)"},
		{20, 0, true, "20"},
		{20, 3, false, "20"},
	} {
		if got := string(display.Figure(nil, c.now, c.change, c.show)); got != c.want {
			t.Errorf("Figure(%d, %d, %v) = %q, want %q", c.now, c.change, c.show, got, c.want)
		}
	}
}

func TestPad(t *testing.T) {
	if got := string(display.Pad([]byte("ab"), 4)); got != "ab  " {
		t.Errorf("Pad(ab, 4) = %q", got)
	}
	if got := string(display.Pad([]byte("abcdef"), 4)); got != "abcdef" {
		t.Errorf("a field wider than the column gets no padding: %q", got)
	}
}

// A type's lines, as pytracker's dump and inspect's text view write them.
func TestTypeLines(t *testing.T) {
	var b []byte
	b = display.Counts(b, "example.com/app.Conn", "live", 2, 1, 5, 0, true)
	b = display.Record(b, 12, "10.0.0.7:5432")
	b = display.Counts(b, "example.com/app.Pool", "allocated", 1, 1, 0, 0, false)
	b = display.Growing(b, "app.Conn", 8, 9, 9)
	want := "example.com/app.Conn                     live: 2 (+1)       retired: 5\n" +
		"   obj#12       bundle:\"10.0.0.7:5432\"\n" +
		"example.com/app.Pool                     allocated: 1            retired: 0\n" +
		"growing: app.Conn                        +8 over the last 9 samples, rising in 9 of them\n"
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}
