package leakcheck

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.uber.org/goleak"

	"github.com/objtrack/objtrack/internal/stack"
)

// goroutineDump is one goroutine of runtime.Stack's output.
type goroutineDump struct {
	id        int
	state     string
	creator   int      // the goroutine that started it, 0 if unknown
	functions []string // every function in its stack, "created by" included
	trace     string   // the stack as printed, header excluded
}

// allGoroutines parses runtime.Stack(all=true).
func allGoroutines() []goroutineDump {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return parseGoroutines(string(buf))
}

func parseGoroutines(dump string) []goroutineDump {
	var out []goroutineDump
	for _, block := range strings.Split(strings.TrimSpace(dump), "\n\n") {
		header, trace, _ := strings.Cut(block, "\n")
		var g goroutineDump
		rest, ok := strings.CutPrefix(header, "goroutine ")
		if !ok {
			continue
		}
		idText, state, _ := strings.Cut(rest, " ")
		g.id, _ = strconv.Atoi(idText)
		g.state = strings.TrimSuffix(strings.TrimPrefix(state, "["), "]:")
		g.trace = trace
		for _, line := range strings.Split(trace, "\n") {
			if strings.HasPrefix(line, "\t") || line == "" {
				continue
			}
			if by, ok := strings.CutPrefix(line, "created by "); ok {
				fn, parent, found := strings.Cut(by, " in goroutine ")
				if found {
					g.creator, _ = strconv.Atoi(parent)
				}
				g.functions = append(g.functions, fn)
				continue
			}
			if i := strings.LastIndexByte(line, '('); i > 0 {
				line = line[:i]
			}
			g.functions = append(g.functions, line)
		}
		out = append(out, g)
	}
	return out
}

// shortTrace rewrites a goroutine trace for a person: one line per frame,
// "pkg.fn (dir/file.go:12)", without arguments and offsets.
func shortTrace(trace string) string {
	lines := strings.Split(strings.TrimRight(trace, "\n"), "\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		fn := lines[i]
		if strings.HasPrefix(fn, "\t") {
			continue
		}
		created := strings.HasPrefix(fn, "created by ")
		if created {
			fn, _, _ = strings.Cut(strings.TrimPrefix(fn, "created by "), " in goroutine ")
		} else if j := strings.LastIndexByte(fn, '('); j > 0 {
			fn = fn[:j]
		}
		loc := ""
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			file := strings.TrimPrefix(lines[i+1], "\t")
			if j := strings.LastIndex(file, " +0x"); j > 0 {
				file = file[:j]
			}
			if j := strings.LastIndexByte(file, ':'); j > 0 {
				loc = " (" + stack.ShortFile(file[:j]) + file[j:] + ")"
			}
			i++
		}
		if created {
			b.WriteString("created by ")
		}
		b.WriteString(stack.ShortFunction(fn) + loc + "\n")
	}
	return b.String()
}

// goroutineWatch finds the goroutines that one test started and that are
// still running at its verdict. A goroutine is the test's if it did not
// exist when Check was called and either the test's goroutine started it
// or the test's function (or a closure in it) is on its stack or started
// it. Goroutines of other tests running in parallel are never the test's.
type goroutineWatch struct {
	before map[int]bool
	self   int    // the test's goroutine
	fn     string // the test's function
}

func watchGoroutines(fn string) *goroutineWatch {
	w := &goroutineWatch{before: map[int]bool{}, fn: fn}
	all := allGoroutines()
	for _, g := range all {
		w.before[g.id] = true
	}
	if len(all) > 0 {
		w.self = all[0].id // runtime.Stack lists the caller first
	}
	return w
}

func (w *goroutineWatch) started(g goroutineDump) bool {
	if w.before[g.id] || g.id == w.self {
		return false
	}
	for _, f := range g.functions {
		if strings.HasPrefix(f, "testing.") {
			return false // the test's own subtests and the framework
		}
	}
	return g.creator == w.self || (w.fn != "" && madeBy(g.functions, w.fn))
}

// leaked waits for the test's goroutines to end, with the same number of
// tries on a slow machine as on a fast one, and returns those still
// running.
func (w *goroutineWatch) leaked() []Goroutine {
	var found []Goroutine
	for try := 0; ; try++ {
		found = found[:0]
		for _, g := range allGoroutines() {
			if w.started(g) {
				found = append(found, Goroutine{ID: g.id, State: g.state, Stack: shortTrace(g.trace)})
			}
		}
		if len(found) == 0 || try == goroutineTries {
			return found
		}
		time.Sleep(min(time.Microsecond<<try, 100*time.Millisecond))
	}
}

// goroutineTries is how many times a goroutine check looks again before
// it reports goroutines that are still running (about 2 seconds in all).
const goroutineTries = 20

// goleakFindings runs go.uber.org/goleak and turns its findings into
// Goroutines.
func goleakFindings(opts []goleak.Option) []Goroutine {
	err := goleak.Find(opts...)
	if err == nil {
		return nil
	}
	text := strings.TrimPrefix(err.Error(), "found unexpected goroutines:\n")
	text = strings.TrimSuffix(strings.TrimPrefix(text, "["), "]")
	var out []Goroutine
	for _, part := range strings.Split(text, "\n Goroutine ") {
		part = strings.TrimPrefix(part, "Goroutine ")
		header, trace, _ := strings.Cut(part, "\n")
		var g Goroutine
		if _, err := fmt.Sscanf(header, "%d in state", &g.ID); err != nil {
			out = append(out, Goroutine{State: "unknown", Stack: part})
			continue
		}
		if _, state, ok := strings.Cut(header, " in state "); ok {
			g.State, _, _ = strings.Cut(state, ", with ")
		}
		// The trace repeats the "goroutine N [state]:" header.
		if _, body, ok := strings.Cut(trace, "\n"); ok && strings.HasPrefix(trace, "goroutine ") {
			trace = body
		}
		g.Stack = shortTrace(trace)
		out = append(out, g)
	}
	return out
}
