package typename

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"

	"github.com/objtrack/objtrack/internal/testsupport/tabletest"
)

// onlyInTest is declared here and never tracked: the listing must find it
// all the same, and the types it reaches.
type onlyInTest struct {
	field fieldOnly
	boxes map[string]box[int]
}

// fieldOnly is reached only as a field of onlyInTest.
type fieldOnly struct{ n int }

// box is generic: its instances are named with their type arguments.
type box[T any] struct{ v T }

// pickedA and pickedB are 1 edit away from the same typo, pickedC.
type (
	pickedA struct{}
	pickedB struct{}
)

// sink keeps the types above in the test binary: the linker leaves out a
// type that no code uses.
var sink any

func keepTypes() {
	sink = &onlyInTest{field: fieldOnly{n: 1}, boxes: map[string]box[int]{"one": {v: 1}}}
	sink = []*pickedA{}
	sink = []*pickedB{}
}

// The linkname and the way a typelink is read: if a Go release changes
// either, this test fails and says so.
func TestTheProgramsTypesAreListed(t *testing.T) {
	if !Listed {
		t.Skip("built with objtrack_nolinkname")
	}
	keepTypes()
	p := program()
	if len(p.named) < 100 {
		t.Fatalf("the listing found %d named types in a test binary; reflect.typelinks or the way it is read changed", len(p.named))
	}
	for _, want := range []reflect.Type{reflect.TypeFor[onlyInTest](), reflect.TypeFor[fieldOnly](), reflect.TypeFor[box[int]](), reflect.TypeFor[testing.T]()} {
		found := false
		for _, t := range p.byKey[want.Name()] {
			found = found || t == want
		}
		if !found {
			t.Errorf("the listing lacks %v, which the test binary has; reflect.typelinks or the way it is read changed", want)
		}
	}
	for _, name := range []string{
		"onlyInTest", "typename.onlyInTest", "github.com/objtrack/objtrack/internal/typename.onlyInTest",
		"fieldOnly", "box[int]", "typename.box[int]", "T", "testing.T", "*typename.onlyInTest",
	} {
		if !InProgram(name) {
			t.Errorf("InProgram(%q) = false, want true", name)
		}
		if hint, unknown := Unknown(name, nil); unknown {
			t.Errorf("Unknown(%q) = %q, true; want false", name, hint)
		}
	}
	for _, name := range []string{
		"NoSuchTypeAnywhere", "onlyInTes", "othername.onlyInTest", "typename.onlyintest",
		"example.com/typename.onlyInTest", "box[string]", "onlyInTest ", "typename.",
	} {
		if InProgram(name) {
			t.Errorf("InProgram(%q) = true, want false", name)
		}
	}
}

func TestPointerNameTellsPointersToTypesOfTheProgram(t *testing.T) {
	if !Listed {
		t.Skip("built with objtrack_nolinkname")
	}
	keepTypes()
	if elem, ok := PointerName("*typename.onlyInTest"); !ok || elem != "typename.onlyInTest" {
		t.Errorf(`PointerName("*typename.onlyInTest") = %q, %v; want "typename.onlyInTest", true`, elem, ok)
	}
	for _, name := range []string{"typename.onlyInTest", "*NoSuchTypeAnywhere", "*"} {
		if _, ok := PointerName(name); ok {
			t.Errorf("PointerName(%q) = true, want false", name)
		}
	}
}

func TestUnknownSuggestsCloseNames(t *testing.T) {
	if !Listed {
		t.Skip("built with objtrack_nolinkname")
	}
	keepTypes()
	for _, c := range []struct{ name, hint string }{
		{"onlyInTestt", `did you mean "typename.onlyInTest"?`},
		{"OnlyInTest", `did you mean "typename.onlyInTest"?`},
		{"typename.onlyInTset", `did you mean "typename.onlyInTest"?`},
		{"typenam.onlyInTest", `did you mean "typename.onlyInTest"?`},
		{"elsewhere.onlyInTest", `did you mean "typename.onlyInTest"?`},
		{"github.com/objtrack/objtrack/internal/typenam.onlyInTest", `did you mean "typename.onlyInTest"?`},
		{"NoSuchTypeAnywhereAtAll", `name a type that the program has, as "Conn", "db.Conn" or "example.com/db.Conn" (the linker leaves out a type that no code of the program uses)`},
	} {
		hint, unknown := Unknown(c.name, nil)
		if !unknown || hint != c.hint {
			t.Errorf("Unknown(%q) = %q, %v; want %q, true", c.name, hint, unknown, c.hint)
		}
	}
	// Of the closest names, all are offered, in order, unless prefer
	// likes some: then only those are.
	pickedA, pickedB := reflect.TypeFor[pickedA](), reflect.TypeFor[pickedB]()
	for _, c := range []struct {
		name   string
		prefer func(reflect.Type) bool
		hint   string
	}{
		{"pickedC", nil, `did you mean "typename.pickedA" or "typename.pickedB"?`},
		{"pickedC", func(t reflect.Type) bool { return t == pickedA }, `did you mean "typename.pickedA"?`},
		{"pickedC", func(t reflect.Type) bool { return t == pickedB }, `did you mean "typename.pickedB"?`},
		{"pickedC", func(reflect.Type) bool { return false }, `did you mean "typename.pickedA" or "typename.pickedB"?`},
		{"pickedAA", nil, `did you mean "typename.pickedA"?`}, // pickedB is 2 edits away
		{"pickedBB", func(t reflect.Type) bool { return t == pickedA }, `did you mean "typename.pickedA"?`},
	} {
		if hint, _ := Unknown(c.name, c.prefer); hint != c.hint {
			t.Errorf("Unknown(%q) = %q, want %q", c.name, hint, c.hint)
		}
	}
	// A short name is close to many: a few are offered, no more.
	if hint, _ := Unknown("X", nil); strings.Count(hint, `"`) > 2*maxClose {
		t.Errorf("the hint for X offers more than %d names: %q", maxClose, hint)
	}
}

func TestBare(t *testing.T) {
	tabletest.Func(t, "bare", bare, map[string]string{
		"Conn":                                 "Conn",
		"db.Conn":                              "Conn",
		"example.com/db.Conn":                  "Conn",
		"Pool[int]":                            "Pool[int]",
		"db.Pool[example.com/x.T]":             "Pool[example.com/x.T]",
		"example.com/db.Pool[example.com/x.T]": "Pool[example.com/x.T]",
		"map[string]int":                       "map[string]int",
		"":                                     "",
	})
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"Conn", "Conn", 0},
		{"Conn", "Conm", 1},
		{"Conn", "Con", 1},
		{"Conn", "Connn", 1},
		{"Conn", "conn", 1},
		{"Conn", "oCnn", 2},
		{"Conn", "Session", 3}, // more than the limit: limit+1
		{"Conn", "Co", 2},
		{"Conn", "C", 3},
		{"", "ab", 2},
	} {
		if got := distance(c.a, c.b, 2); got != c.want {
			t.Errorf("distance(%q, %q, 2) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := distance(c.b, c.a, 2); got != c.want {
			t.Errorf("distance(%q, %q, 2) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
}

// The listing is built once per process; this is what that costs.
func BenchmarkListProgramTypes(b *testing.B) {
	keepTypes()
	for b.Loop() {
		indexTypes(linkedTypes())
	}
	b.ReportMetric(float64(len(program().named)), "types")
}

// A type word read from memory is made a type only if it is one of the
// program's: the type word of an interface value that holds it.
func TestByAddressFindsTheTypeOfAnInterfacesTypeWord(t *testing.T) {
	if !Listed {
		t.Skip("the program's types are not listed in this build")
	}
	type local struct{ N int }
	var v any = &local{N: 1}
	word := uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&v))[0])
	got, ok := ByAddress(word)
	if assert.True(t, ok) {
		assert.Equal(t, reflect.TypeOf(v), got)
	}
	_, ok = ByAddress(word + 1)
	assert.False(t, ok, "an address inside a descriptor is none")
	_, ok = ByAddress(0)
	assert.False(t, ok)
}
