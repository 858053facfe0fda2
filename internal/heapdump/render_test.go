package heapdump

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/tabletest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// assertGolden compares got with testdata/name, or with -update writes it.
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// steps makes a chain of objects of the given sizes, the last the target.
func steps(sizes ...uint64) []Step {
	var out []Step
	addr := uint64(0xc000010000)
	for _, n := range sizes {
		out = append(out, Step{Addr: addr, Size: n, Pointer: addr, Field: 8})
		addr += 0x1000
	}
	return out
}

func TestRootTextGolden(t *testing.T) {
	cases := []struct {
		name string
		path Path
	}{
		{"global map", Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Segment: ".bss", Offset: 0x1a0, Name: "example.com/db.registry"}}, Steps: steps(48, 208, 64)}},
		{"global field", Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Segment: ".data", Name: "example.com/db.config", NameOffset: 16}}, Steps: steps(64)}},
		{"typed global field", Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Segment: ".data", Name: "example.com/db.config", NameOffset: 16, Selector: ".pools[1].conn", Typed: true}}, Steps: steps(64)}},
		{"static value", Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Segment: ".data", Name: "example.com/db.defaults", NameOffset: 8, Static: true}}, Steps: steps(64)}},
		{"unnamed global", Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Segment: ".data", Offset: 0x1a0, Unnamed: noSymbolTable}}, Steps: steps(48, 64)}},
		{"uncovered global", Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Segment: ".bss", Offset: 0x20, Unnamed: "no symbol covers it"}}, Steps: steps(64)}},
		{"blocked goroutine", Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 17, Status: "chan receive", Holder: "stack frame",
			Func: "example.com/db.(*Pool).serve", File: "/src/db/pool.go", Line: 88, Depth: 3,
			Top: "example.com/db.(*Pool).serve", TopFile: "/src/db/pool.go", TopLine: 88, TopDepth: 3}}, Steps: steps(64)}},
		{"caller's frame", Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 18, Status: "select", Holder: "stack frame",
			Func: "example.com/db.(*Pool).Run", File: "/src/db/pool.go", Line: 40, Depth: 4,
			Top: "example.com/db.(*Pool).wait", TopFile: "/src/db/pool.go", TopLine: 95, TopDepth: 2}}, Steps: steps(64)}},
		{"runtime frame", Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 19, Status: "select", Holder: "stack frame",
			Func: "runtime.selectgo", Depth: 1,
			Top: "example.com/db.loop", TopDepth: 2}}, Steps: steps(64)}},
		{"closure context", Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 20, Status: "runnable", Holder: "closure context",
			Top: "example.com/db.Start.func1", TopDepth: 0}}, Steps: steps(32, 64)}},
		{"runtime goroutine", Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 2, Status: "force gc (idle)", System: true, Holder: "stack frame",
			Func: "runtime.forcegchelper", Depth: 1}}, Steps: steps(64)}},
		{"writer", Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 7, Status: "dumping heap", WroteDump: true, Holder: "stack frame",
			Func: "example.com/db.TestLeak", File: "/src/db/db_test.go", Line: 12, Depth: 3,
			Top: "github.com/objtrack/objtrack/internal/heapdump.Write", TopFile: "/src/heapdump/write.go", TopLine: 27, TopDepth: 2}}, Steps: steps(64)}},
		{"writer, objtrack's own frame", Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 7, Status: "dumping heap", WroteDump: true, Holder: "stack frame",
			Func: "github.com/objtrack/objtrack/leakcheck.findHolders", File: "/src/leakcheck/paths.go", Line: 60, Depth: 3,
			Top: "github.com/objtrack/objtrack/internal/heapdump.Write", TopFile: "/src/heapdump/write.go", TopLine: 27, TopDepth: 2}}, Steps: steps(64)}},
		{"pending timer", Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Name: "runtime.allp", Segment: "bss"}}, Steps: steps(16, 16384, 9472, 112, 16, 64)}},
		{"finalizer field", Path{Root: Root{Kind: RootFinalizer, Finalizer: &FinalizerRoot{ObjectSize: 24, Func: "example.com/db.(*Conn).finalize", Holder: "field", Field: 16}}, Steps: steps(64)}},
		{"finalizer function", Path{Root: Root{Kind: RootFinalizer, Finalizer: &FinalizerRoot{Holder: "function"}}, Steps: steps(32, 64)}},
		{"queued finalizer", Path{Root: Root{Kind: RootFinalizer, Finalizer: &FinalizerRoot{ObjectSize: 64, Queued: true, Holder: "object"}}, Steps: steps(64)}},
		{"other root", Path{Root: Root{Kind: RootOther, Other: "cgo pointer"}, Steps: steps(64)}},
		{"unreachable", Path{Steps: steps(64)}},
		{"not in the heap", Path{}},
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "== %s\n%s\n", c.name, c.path.RootText())
	}
	assertGolden(t, "roots.golden", []byte(b.String()))
}

func TestShortNameUnescapesPackagePaths(t *testing.T) {
	tabletest.Func(t, "shortName", shortName, map[string]string{
		"gopkg.in/yaml%2ev3.registry": "yaml.v3.registry",
		"example.com/dot%2epkg.Reg":   "dot.pkg.Reg",
		"example.com/db.registry":     "db.registry",
		"main.bad%zz":                 "main.bad%zz",
	})
}

// The stack scan takes the program's frames first, then the standard
// library's, then the runtime's.
func TestFrameClass(t *testing.T) {
	tabletest.Func(t, "frameClass", frameClass, map[string]int{
		"example.com/db.(*Pool).serve":                0,
		"main.main":                                   0,
		"main.worker.func1":                           0,
		"testing.(*M).Run":                            1,
		"net/http.(*conn).serve":                      1,
		"runtime.gopark":                              2,
		"runtime.chansend":                            2,
		"internal/sync.(*Mutex).lockSlow":             2,
		"sync.(*WaitGroup).Wait":                      2,
		"example.com/db.Map[go.shape.int].Load.func1": 0,
	})
}
