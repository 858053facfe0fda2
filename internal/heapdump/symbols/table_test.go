package symbols

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildTiny builds testdata/tiny with extra go build flags.
func buildTiny(t *testing.T, flags ...string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH: cannot build the program under test")
	}
	out := filepath.Join(t.TempDir(), "tiny")
	args := append(append([]string{"build", "-o", out}, flags...), "./testdata/tiny")
	if b, err := exec.Command(goCmd, args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func TestOpenFindsVariables(t *testing.T) {
	table, err := Open(buildTiny(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, section := range map[string]string{"main.counter": ".noptrdata", "main.names": ".data", "main.registry": ".bss", "main.main": ".text"} {
		s, ok := table.Lookup(name)
		if !ok || s.Section != section || s.Size == 0 {
			t.Errorf("Lookup(%s) = %+v, %v; want a symbol in %s", name, s, ok, section)
			continue
		}
		if got, ok := table.Containing(s.Addr + s.Size - 1); !ok || got.Name != name {
			t.Errorf("Containing(the last byte of %s) = %+v, %v", name, got, ok)
		}
		if got, ok := table.Containing(s.Addr + s.Size); ok && got.Name == name {
			t.Errorf("Containing(the end of %s) returned it", name)
		}
		if got, ok := table.Before(s.Addr + 1); !ok || got.Name != name {
			t.Errorf("Before(the second byte of %s) = %+v, %v", name, got, ok)
		}
	}
	if _, ok := table.Containing(0); ok {
		t.Error("Containing(0) found a symbol")
	}
	if table.Len() < 100 || table.SizesGuessed() {
		t.Errorf("%d symbols, sizes guessed %v", table.Len(), table.SizesGuessed())
	}
	if s, ok := table.Section(".data"); !ok || s.Size == 0 {
		t.Errorf("Section(.data) = %+v, %v", s, ok)
	}
}

func TestOpenWithoutSymbols(t *testing.T) {
	_, err := Open(buildTiny(t, "-ldflags=-s"))
	if !errors.Is(err, ErrNoSymbols) {
		t.Fatalf("Open of a stripped executable: %v, want ErrNoSymbols", err)
	}
	if _, err := Open("table_test.go"); err == nil {
		t.Error("Open of a Go source file succeeded")
	}
}

func TestGuessedSizesRunToTheNextSymbol(t *testing.T) {
	table := &Table{sizesGuessed: true, sections: []Section{{Name: "__data", Addr: 0x1000, Size: 0x100}}}
	list := []Symbol{{Name: "b", Addr: 0x1010, Section: "__data"}, {Name: "a", Addr: 0x1000, Section: "__data"}, {Name: "c", Addr: 0x1080, Section: "__data"}}
	table.guessSizes(list)
	table.index(list)
	for name, size := range map[string]uint64{"a": 0x10, "b": 0x70, "c": 0x80} {
		if s, _ := table.Lookup(name); s.Size != size {
			t.Errorf("%s: size %#x, want %#x", name, s.Size, size)
		}
	}
}
