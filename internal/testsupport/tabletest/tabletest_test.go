package tabletest

import (
	"fmt"
	"strconv"
	"testing"
)

// recorder is a testing.TB that keeps what Errorf says.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestFuncReportsEachWrongResult(t *testing.T) {
	r := &recorder{TB: t}
	Func(r, "strconv.Itoa", strconv.Itoa, map[int]string{1: "1", 2: "two", 3: "3"})
	if len(r.errors) != 1 || r.errors[0] != `strconv.Itoa(2) = "2", want "two"` {
		t.Fatalf("errors = %q", r.errors)
	}
}

func TestFuncPassesRightResults(t *testing.T) {
	r := &recorder{TB: t}
	Func(r, "strconv.Itoa", strconv.Itoa, map[int]string{1: "1", -7: "-7"})
	if len(r.errors) != 0 {
		t.Fatalf("errors = %q", r.errors)
	}
}
