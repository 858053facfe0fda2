package heapdump

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/heapdump/symbols"
	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/internal/testsupport/tabletest"
)

// processSymbols returns the symbol table of this process, which names
// runtime.allp, the global through which a timer holds what it holds.
func processSymbols(t *testing.T) *symbols.Table {
	t.Helper()
	table, err := symbols.ForProcess(context.Background(), symbols.Options{})
	if errors.Is(err, symbols.ErrNoGo) {
		t.Skip("no go command in PATH or GOROOT: the test binary cannot be rebuilt with a symbol table")
	}
	if err != nil && coverageBuild() {
		t.Skipf("a coverage build cannot be rebuilt alike for its symbol table: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return table
}

// timerPath returns the path to obj, which a timer must hold.
func timerPath(t *testing.T, obj *leaked) Path {
	t.Helper()
	p := pathsTo(t, SearchOptions{Symbols: processSymbols(t)}, addrOf(obj))[0]
	checkEnds(t, p, addrOf(obj))
	if p.Root.Kind != RootTimer || p.Root.Timer == nil {
		t.Fatalf("root %v (%s), want a timer", p.Root.Kind, p.RootText())
	}
	return p
}

// checkDue checks that a timer made for an hour a moment ago is due in
// a little less than an hour.
func checkDue(t *testing.T, tr *TimerRoot) {
	t.Helper()
	if _, clock := nanotime(); !clock {
		if tr.HasDue {
			t.Errorf("due in %v in a build without the runtime's clock", tr.Due)
		}
		return
	}
	if !tr.HasDue || tr.Due <= 50*time.Minute || tr.Due > time.Hour {
		t.Errorf("due in %v (known: %t), want just under an hour", tr.Due, tr.HasDue)
	}
}

func TestTimerOfFunctionLiteral(t *testing.T) {
	obj := newLeaked(20)
	var fired bool
	timer := time.AfterFunc(time.Hour, func() { fired = obj != nil }) // the timer's line
	t.Cleanup(func() { timer.Stop() })
	p := timerPath(t, obj)
	tr := p.Root.Timer
	if !strings.HasSuffix(tr.Func, ".TestTimerOfFunctionLiteral.func1") || tr.MethodValue() || tr.Context() {
		t.Errorf("function %q, want the function literal of the test", tr.Func)
	}
	if filepath.Base(tr.File) != "timers_test.go" || tr.Line != lineOf(t, "// the timer's line") {
		t.Errorf("function at %s:%d, want the line that made the timer", tr.File, tr.Line)
	}
	checkDue(t, tr)
	// The steps start at what the function refers to: here the object.
	if len(p.Steps) != 1 {
		t.Errorf("%d steps, want the object alone", len(p.Steps))
	}
	text := p.RootText()
	due := ", due in 59m"
	if _, clock := nanotime(); !clock {
		due = ": its function"
	}
	if !strings.Contains(text, "a pending time.AfterFunc timer"+due) || !strings.Contains(text, "heapdump.TestTimerOfFunctionLiteral.func1 (heapdump/timers_test.go:") {
		t.Errorf("text\n%s\nlacks the timer, its due time or its function", text)
	}
	runtime.KeepAlive(obj)
	_ = fired
}

func (l *leaked) expire() { l.serial = 0 }

func TestTimerOfMethodValue(t *testing.T) {
	obj := newLeaked(21)
	timer := time.AfterFunc(time.Hour, obj.expire)
	t.Cleanup(func() { timer.Stop() })
	p := timerPath(t, obj)
	tr := p.Root.Timer
	if !tr.MethodValue() || !strings.HasSuffix(tr.Func, ".(*leaked).expire-fm") || tr.File != "" {
		t.Errorf("function %q at %q, want the method value, without a position", tr.Func, tr.File)
	}
	checkDue(t, tr)
	if want := "its function, the method value heapdump.(*leaked).expire, holds the receiver"; !strings.Contains(p.RootText(), want) {
		t.Errorf("root %q, want %q", p.RootText(), want)
	}
	runtime.KeepAlive(obj)
}

type timerKey struct{}

func TestTimerOfContextDeadline(t *testing.T) {
	obj := newLeaked(22)
	// Only this goroutine, which writes the dump, holds cancel: its frames
	// come last in the search.
	_, cancel := context.WithTimeout(context.WithValue(context.Background(), timerKey{}, obj), time.Hour)
	defer cancel()
	p := timerPath(t, obj)
	if !p.Root.Timer.Context() {
		t.Errorf("function %q, want the context's", p.Root.Timer.Func)
	}
	checkDue(t, p.Root.Timer)
	if !strings.HasPrefix(p.RootText(), "a context's pending deadline timer") {
		t.Errorf("root %q, want a context's deadline", p.RootText())
	}
	runtime.KeepAlive(obj)
}

// Without the dump to read again, a timer's path keeps its global root:
// what is known of it, and nothing made up.
func TestTimerWithoutTheDump(t *testing.T) {
	obj := newLeaked(23)
	timer := time.AfterFunc(time.Hour, obj.expire)
	t.Cleanup(func() { timer.Stop() })
	table := processSymbols(t)
	f, err := os.Open(writeDump(t))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ReadGraph(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	p := g.Paths([]uint64{addrOf(obj)}, SearchOptions{Symbols: table})[0]
	checkEnds(t, p, addrOf(obj))
	if p.Root.Kind != RootGlobal || p.Root.Global.Name != "runtime.allp" {
		t.Errorf("root %v (%s), want the global runtime.allp", p.Root.Kind, p.RootText())
	}
	if !strings.HasPrefix(p.RootText(), "a pending timer (") {
		t.Errorf("root %q, want the timer heap's", p.RootText())
	}
	runtime.KeepAlive(obj)
}

// lineOf returns the line of this file that ends with marker.
func lineOf(t *testing.T, marker string) int {
	t.Helper()
	src, err := os.ReadFile("timers_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasSuffix(l, marker) && !strings.Contains(l, "lineOf") {
			return i + 1
		}
	}
	t.Fatalf("no line ends with %q", marker)
	return 0
}

func TestDueText(t *testing.T) {
	tabletest.Func(t, "dueText", dueText, map[time.Duration]string{
		time.Hour - 400*time.Millisecond:      "due in 59m59s",
		90*time.Second + 700*time.Millisecond: "due in 1m30s",
		2345 * time.Millisecond:               "due in 2.3s",
		1500 * time.Microsecond:               "due in 1ms",
		-time.Millisecond:                     "overdue, its function not yet run",
	})
}

func TestSameFunc(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"pkg.F", "pkg.F", true},
		{"flight.(*Group[go.shape.struct { x *heapdump.Graph; err error }]).run", "flight.(*Group[...]).run", true},
		{"pkg.Map[go.shape.int,go.shape.[]int]", "pkg.Map[...]", true},
		{"pkg.F[...]", "pkg.G[...]", false},
		{"pkg.F", "pkg.F.func1", false},
	} {
		if got := sameFunc(c.a, c.b); got != c.same {
			t.Errorf("sameFunc(%q, %q) = %t, want %t", c.a, c.b, got, c.same)
		}
	}
}

// openFiles counts the open files of this process whose name contains
// name, or skips the test where the system does not list them.
func openFiles(t *testing.T, name string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("the system lists no open files in /proc/self/fd")
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.Contains(target, name) {
			n++
		}
	}
	return n
}

// The file that ReadGraphFile keeps open, to read timers again, is
// closed once the Graph is garbage.
func TestReadGraphFileClosesItsFile(t *testing.T) {
	dump := writeDump(t)
	before := openFiles(t, dump)
	g, err := ReadGraphFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	if n := openFiles(t, dump); n != before+1 {
		t.Fatalf("%d files open while the graph is in use, want %d", n, before+1)
	}
	runtime.KeepAlive(g)
	g = nil
	if r := settle.Settle(10 * time.Second); !r.Settled {
		t.Fatalf("the cleanups did not run: %+v", r)
	}
	if n := openFiles(t, dump); n != before {
		t.Errorf("%d files open once the graph is garbage, want %d", n, before)
	}
}
