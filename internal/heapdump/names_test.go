package heapdump

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/objtrack/objtrack/internal/heapdump/symbols"
)

// coverageBuild reports whether this test binary was built with -cover.
func coverageBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	return ok && slices.Contains(bi.Settings, debug.BuildSetting{Key: "-cover", Value: "true"})
}

// goCommand returns the go command, or skips the test without one.
func goCommand(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH: cannot build the program under test")
	}
	return goCmd
}

// buildNamedProg builds testdata/namedprog with go build, which keeps
// the symbol table.
func buildNamedProg(t *testing.T) string {
	t.Helper()
	prog := filepath.Join(t.TempDir(), "namedprog")
	build := exec.Command(goCommand(t), "build", "-o", prog, "./testdata/namedprog")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return prog
}

// TestNamesFromOwnSymbolTable runs a program that names the globals in
// its paths with its own symbol table.
func TestNamesFromOwnSymbolTable(t *testing.T) {
	prog := buildNamedProg(t)
	out, err := exec.Command(prog).CombinedOutput()
	if err != nil {
		t.Fatalf("namedprog: %v\n%s", err, out)
	}
	// Sizes and offsets depend on the size of pointers.
	golden := "namedprog.golden"
	if unsafe.Sizeof(uintptr(0)) == 4 {
		golden = "namedprog-32bit.golden"
	}
	assertGolden(t, golden, out)
}

// Globals that the rebuilt test binary names.
var (
	namedRegistry = map[string]*leaked{}
	namedDefaults = &struct {
		name string
		held *leaked
	}{name: "defaults"}
)

// TestNamesFromRebuiltTestBinary checks the second way to a symbol table,
// from inside this test binary, which go test links without one: build
// it again with one, check its layout, name the globals.
func TestNamesFromRebuiltTestBinary(t *testing.T) {
	table, err := symbols.ForProcess(context.Background(), symbols.Options{})
	if errors.Is(err, symbols.ErrNoGo) {
		t.Skip("no go command in PATH or GOROOT: the test binary cannot be rebuilt with a symbol table")
	}
	if err != nil && coverageBuild() && strings.Contains(err.Error(), "layout differs") {
		// go test -coverpkg (or -covermode) is not recorded in the binary:
		// the rebuild instruments other packages, and the check of its
		// layout must refuse it, as it did.
		t.Logf("a coverage build, which cannot be rebuilt alike, was refused: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	a, b := newLeaked(1), newLeaked(2)
	namedRegistry["a"] = a
	namedDefaults.held = b
	t.Cleanup(func() { clear(namedRegistry); namedDefaults.held = nil })
	paths := pathsTo(t, SearchOptions{Symbols: table}, addrOf(a), addrOf(b))
	const pkg = "github.com/objtrack/objtrack/internal/heapdump."
	if g := paths[0].Root.Global; g == nil || g.Name != pkg+"namedRegistry" || g.NameOffset != 0 || g.Static {
		t.Errorf("root %+v, want the global namedRegistry", g)
	}
	held := uint64(unsafe.Offsetof(namedDefaults.held))
	if g := paths[1].Root.Global; g == nil || g.Name != pkg+"namedDefaults" || g.NameOffset != held || !g.Static {
		t.Errorf("root %+v, want field +%d of namedDefaults's static value", g, held)
	}
	text := paths[0].RootText()
	if text != `global  heapdump.namedRegistry["a"]` {
		t.Errorf("text\n%s\nlacks the global's name", text)
	}
	// The rebuilt binary keeps its DWARF: the field of the static value
	// is named, as Go writes it (the variable is a pointer to it).
	if g := paths[1].Root.Global; g == nil || !g.Typed || g.Selector != ".held" {
		t.Errorf("root %+v, want the field .held named from DWARF", g)
	}
	if text := paths[1].RootText(); text != "global  heapdump.namedDefaults.held" {
		t.Errorf("text %q, want %q", text, "global  heapdump.namedDefaults.held")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}

// TestNamesNeedTheRightTable names the globals of this process's dump
// with the symbol table of another executable: nothing must be named.
func TestNamesNeedTheRightTable(t *testing.T) {
	table, err := symbols.Open(buildNamedProg(t))
	if err != nil {
		t.Fatal(err)
	}
	obj := newLeaked(3)
	namedRegistry["c"] = obj
	t.Cleanup(func() { clear(namedRegistry) })
	p := pathsTo(t, SearchOptions{Symbols: table}, addrOf(obj))[0]
	if g := p.Root.Global; g == nil || g.Name != "" || !strings.Contains(g.Unnamed, "not that of the executable") {
		t.Errorf("root %+v, want a global left unnamed by the table of another executable", g)
	}
	runtime.KeepAlive(obj)
}
