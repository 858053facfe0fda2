package typename

import (
	"reflect"
	"testing"
)

type Conn struct{}

func TestNames(t *testing.T) {
	c := reflect.TypeFor[Conn]()
	if got := Full(c); got != "github.com/objtrack/objtrack/internal/typename.Conn" {
		t.Errorf("Full = %q", got)
	}
	if got := Full(reflect.TypeFor[map[string]int]()); got != "map[string]int" {
		t.Errorf("Full of an unnamed type = %q", got)
	}
	for _, name := range []string{"Conn", "typename.Conn", "github.com/objtrack/objtrack/internal/typename.Conn"} {
		if !Matches(c, name) {
			t.Errorf("%q does not match", name)
		}
	}
	for _, name := range []string{"", "conn", "db.Conn", "Con"} {
		if Matches(c, name) {
			t.Errorf("%q matches", name)
		}
	}
}
