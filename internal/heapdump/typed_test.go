package heapdump

import (
	"strings"
	"testing"
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
