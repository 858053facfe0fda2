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
