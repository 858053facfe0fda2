package gotypes

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/tabletest"
)

// shapes builds testdata/shapes, with its DWARF, and returns its types.
func shapes(t *testing.T) *Types {
	types, _ := shapesWithSections(t)
	return types
}

func TestSelectorNamesTheWordAtAnOffset(t *testing.T) {
	types := shapes(t)
	cache, err := types.Variable("main.cache")
	require.NoError(t, err)
	ptr := int64(unsafe.Sizeof(uintptr(0))) // go build inherits the test's GOARCH
	kinds := map[string]WordKind{".conns": Plain, ".list": SliceArray, ".any": InterfaceData, ".name": StringData, ".arr[3]": Plain}
	for _, c := range []struct {
		off      int64
		sel      string
		wordType string // "" for no type known
		ok       bool
	}{
		{off: 0, sel: ".mu", wordType: "int", ok: true}, // a word, though no pointer
		{off: ptr, sel: ".conns", wordType: "map[string]*main.Conn", ok: true},
		{off: 2 * ptr, sel: ".list", wordType: "**main.Conn", ok: true}, // the slice's array: a pointer to its first element
		{off: 3 * ptr, ok: false},                                       // its length
		{off: 5 * ptr, sel: ".arr[0]", wordType: "*main.Conn", ok: true},
		{off: 8 * ptr, sel: ".arr[3]", wordType: "*main.Conn", ok: true},
		{off: 9 * ptr, sel: ".inner.c", wordType: "*main.Conn", ok: true},
		{off: 10 * ptr, ok: false}, // the interface's type word
		{off: 11 * ptr, sel: ".any", ok: true},
		{off: 12 * ptr, sel: ".name", wordType: "*uint8", ok: true},
		{off: 15 * ptr, sel: ".Base.conn", wordType: "*main.Conn", ok: true},
		{off: 16 * ptr, ok: false}, // past the end
	} {
		sel, word, ok := Selector(cache, c.off)
		if want, ok := kinds[c.sel]; ok {
			assert.Equal(t, want, word.Kind, "%s: the word's kind", c.sel)
		}
		if !assert.Equal(t, c.ok, ok, "offset %d: ok", c.off) || !ok {
			continue
		}
		assert.Equal(t, c.sel, sel, "offset %d", c.off)
		assert.Equal(t, c.wordType, Name(word.Type), "offset %d: the word's type", c.off)
	}
}

func TestSelectorGoesThroughArraysOfStructs(t *testing.T) {
	types := shapes(t)
	table, err := types.Variable("main.table")
	require.NoError(t, err)
	ptr := int64(unsafe.Sizeof(uintptr(0)))
	sel, word, ok := Selector(table, 2*(2*ptr)+ptr) // the conn of table[2]
	require.True(t, ok)
	assert.Equal(t, "[2].conn", sel)
	assert.Equal(t, "*main.Conn", Name(word.Type))
	assert.Equal(t, "main.Conn", Name(Pointee(word.Type)))
}

func TestVariablesOfEveryShapeAreFound(t *testing.T) {
	types := shapes(t)
	for name, want := range map[string]string{
		"main.cache":  "main.Cache",
		"main.pcache": "*main.Cache",
		"main.table":  "[3]main.Base",
		"main.conns":  "[]*main.Conn",
	} {
		typ, err := types.Variable(name)
		if assert.NoError(t, err, name) {
			assert.Equal(t, want, Name(typ), name)
		}
	}
	_, err := types.Variable("main.nosuch")
	assert.ErrorContains(t, err, "describes no variable main.nosuch")
	pcache, _ := types.Variable("main.pcache")
	sel, word, ok := Selector(Pointee(pcache), int64(unsafe.Sizeof(uintptr(0))))
	assert.True(t, ok)
	assert.Equal(t, ".conns", sel)
	assert.Equal(t, "map[string]*main.Conn", Name(word.Type))
}

func TestShortNamesCutPackagePaths(t *testing.T) {
	tabletest.Func(t, "shortNames", shortNames, map[string]string{
		"*example.com/db.Conn":                             "*db.Conn",
		"map[string]*example.com/x/db.Conn":                "map[string]*db.Conn",
		"[]*github.com/a/b.T":                              "[]*b.T",
		"func(*example.com/db.Conn) error":                 "func(*db.Conn) error",
		"struct { example.com/db.c *example.com/db.Conn }": "struct { db.c *db.Conn }",
		"int": "int",
	})
}

func TestMapOfReadsTheLayoutOfAMap(t *testing.T) {
	types := shapes(t)
	cache, err := types.Variable("main.cache")
	require.NoError(t, err)
	_, conns, ok := Selector(cache, int64(unsafe.Sizeof(uintptr(0))))
	require.True(t, ok)
	m, ok := MapOf(conns.Type)
	require.True(t, ok, "map[string]*main.Conn")
	ptr := int64(unsafe.Sizeof(uintptr(0)))
	assert.Equal(t, 8+ptr, m.DirPtr, "after used (a uint64) and seed (a uintptr)")
	// A slot of map[string]*Conn: a string key (two words), then the
	// element; slots follow the control word.
	slot := 3 * ptr
	isKey, sel, w, ok := m.Slot(8 + 2*slot + 2*ptr)
	require.True(t, ok)
	assert.False(t, isKey)
	assert.Equal(t, "", sel)
	assert.Equal(t, "*main.Conn", Name(w.Type))
	isKey, _, w, ok = m.Slot(8 + slot)
	require.True(t, ok)
	assert.True(t, isKey, "the key of the second slot")
	assert.Equal(t, StringData, w.Kind)
	_, ok = MapOf(cache)
	assert.False(t, ok, "a struct is no map")
}

// Verdicts that fail at once read types side by side.
func TestTypesAreSafeForConcurrentUse(t *testing.T) {
	types := shapes(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, name := range []string{"main.cache", "main.pcache", "main.table", "main.conns"} {
				if _, err := types.Variable(name); err != nil {
					t.Error(err)
				}
			}
			for _, name := range []string{"*main.Conn", "main.Cache", "map[string]*main.Conn"} {
				if _, ok := types.ByName(name); !ok {
					t.Errorf("no type %s", name)
				}
			}
		})
	}
	wg.Wait()
}
