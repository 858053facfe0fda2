package leakcheck

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/stack"
	"go.uber.org/goleak"
)

// Reading what the runtime and goleak print about goroutines: the
// goroutine profile (with labels), runtime.Stack's dump (with ids and
// states) and goleak's errors, which quote the same frames.

// parseProfile parses a goroutine profile written with debug=1 and
// returns its groups by the value of the ancestry label they carry, ""
// for those without it.
func parseProfile(text string) map[string][]group {
	// The header line ("goroutine profile: total 12") has no blank line
	// after it: the first group follows at once.
	if _, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(text, "goroutine profile:") {
		text = rest
	}
	key := fmt.Sprintf("%q:%q", ancestry.Key, "")
	key = key[:len(key)-1] // "objtrack.check":"
	out := map[string][]group{}
	for _, rec := range strings.Split(text, "\n\n") {
		lines := strings.Split(strings.TrimSpace(rec), "\n")
		if len(lines) < 2 {
			continue
		}
		head, _, ok := strings.Cut(lines[0], " @ ")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(head)
		if err != nil {
			continue
		}
		g := group{count: n}
		value := ""
		for _, line := range lines[1:] {
			if l, ok := strings.CutPrefix(line, "# labels: "); ok {
				// Values are quoted with %q: ours are numbers, and a
				// quote inside another value is escaped.
				if _, v, ok := strings.Cut(l, key); ok {
					value, _, _ = strings.Cut(v, `"`)
				}
				continue
			}
			fields := slices.DeleteFunc(strings.Split(line, "\t"), func(s string) bool { return s == "" })
			if len(fields) < 4 || fields[0] != "#" {
				continue
			}
			fn := fields[2]
			if i := strings.LastIndex(fn, "+0x"); i > 0 {
				fn = fn[:i]
			}
			g.frames = append(g.frames, frame{function: fn, file: fields[3]})
		}
		out[value] = append(out[value], g)
	}
	return out
}

// describe turns the groups of leaked goroutines into report entries, with
// the ids and states that runtime.Stack gives where they can be told:
// runtime.Stack shows no labels, so when other goroutines (of other
// tests) have the same stack, which ids are the test's is unknown, and
// the entries say only what the goroutine profile says.
func describe(groups []group) []Goroutine {
	all := allGoroutines()
	var out []Goroutine
	for _, g := range groups {
		var same []goroutineDump
		for _, d := range all {
			if slices.Equal(d.own(), g.functions()) {
				same = append(same, d)
			}
		}
		if len(same) == g.count {
			for _, d := range same {
				out = append(out, Goroutine{ID: d.id, State: d.state, Stack: shortTrace(d.trace)})
			}
			continue
		}
		for range g.count {
			out = append(out, Goroutine{Stack: g.shortTrace()})
		}
	}
	return out
}

func (g group) shortTrace() string {
	var b strings.Builder
	for _, f := range g.frames {
		file, line, _ := strings.Cut(f.file, ":")
		fmt.Fprintf(&b, "%s (%s:%s)\n", stack.ShortFunction(f.function), stack.ShortFile(file), line)
	}
	return b.String()
}

// goroutineDump is one goroutine of runtime.Stack's output.
type goroutineDump struct {
	id        int
	state     string
	functions []string // every function in its stack, "created by" included
	creator   int      // the id of the goroutine that started it, 0 if unknown
	trace     string   // the stack as printed, header excluded
}

// own returns the functions of the goroutine's own stack, without the
// function that created it.
func (d goroutineDump) own() []string {
	if n := len(d.functions); n > 0 && strings.Contains(d.trace, "created by ") {
		return d.functions[:n-1]
	}
	return d.functions
}

// allGoroutines parses runtime.Stack(all=true).
func allGoroutines() []goroutineDump { return stackOf(true) }

// currentGoroutine parses runtime.Stack for the calling goroutine: its id
// and the id of the goroutine that started it.
func currentGoroutine() goroutineDump {
	if d := stackOf(false); len(d) > 0 {
		return d[0]
	}
	return goroutineDump{}
}

func stackOf(all bool) []goroutineDump {
	size := 8 << 10
	if all {
		// Room for every goroutine at once: each try that does not fit
		// stops the world and formats every goroutine again (seven times
		// for 10,000 goroutines from 64 KiB).
		size = max(64<<10, runtime.NumGoroutine()*512)
	}
	buf := make([]byte, size)
	for {
		n := runtime.Stack(buf, all)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return parseGoroutines(string(buf))
}

// parseGoroutines finds the goroutines in text, each a header and the
// frames that follow as the runtime prints them: a runtime.Stack dump
// ("goroutine 7 [chan receive]:"), or an error of goleak's, which quotes
// the frames under headers of its own ("Goroutine 7 in state chan
// receive, with main.worker on top of the stack:").
// TestParseGoroutinesReadsGoleak runs goleak to check the second form.
func parseGoroutines(text string) []goroutineDump {
	var out []goroutineDump
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		g, ok := parseHeader(lines[i])
		if !ok {
			continue
		}
		var trace strings.Builder
		for i+1 < len(lines) {
			next := lines[i+1]
			if _, header := parseHeader(next); header || strings.TrimSpace(next) == "" || next == "]" {
				break
			}
			i++
			line := next
			trace.WriteString(line + "\n")
			if strings.HasPrefix(line, "\t") {
				continue
			}
			if by, ok := strings.CutPrefix(line, "created by "); ok {
				fn, parent, _ := strings.Cut(by, " in goroutine ")
				g.creator, _ = strconv.Atoi(parent)
				g.functions = append(g.functions, fn)
				continue
			}
			if j := strings.LastIndexByte(line, '('); j > 0 {
				line = line[:j]
			}
			g.functions = append(g.functions, line)
		}
		g.trace = trace.String()
		out = append(out, g)
	}
	return out
}

// parseHeader reads the header of one goroutine, in either form.
func parseHeader(line string) (goroutineDump, bool) {
	var g goroutineDump
	line = strings.TrimLeft(line, " [")
	if rest, ok := strings.CutPrefix(line, "goroutine "); ok && strings.HasSuffix(rest, "]:") {
		idText, state, _ := strings.Cut(rest, " ")
		id, err := strconv.Atoi(idText)
		if err != nil {
			return g, false
		}
		g.id, g.state = id, strings.TrimSuffix(strings.TrimPrefix(state, "["), "]:")
		return g, true
	}
	if rest, ok := strings.CutPrefix(line, "Goroutine "); ok && strings.HasSuffix(rest, " on top of the stack:") {
		idText, rest, _ := strings.Cut(rest, " in state ")
		id, err := strconv.Atoi(idText)
		if err != nil {
			return g, false
		}
		state, _, _ := strings.Cut(rest, ", with ")
		g.id, g.state = id, state
		return g, true
	}
	return g, false
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

// goleakFindings runs go.uber.org/goleak over the whole process, as
// VerifyTestMain and Find do, and returns what it found.
func goleakFindings(opts []goleak.Option) []Goroutine {
	err := goleak.Find(opts...)
	if err == nil {
		return nil
	}
	found := parseGoroutines(err.Error())
	if len(found) == 0 { // a wording this version cannot read: keep it whole
		return []Goroutine{{State: "unknown", Stack: err.Error()}}
	}
	out := make([]Goroutine, len(found))
	for i, d := range found {
		out[i] = Goroutine{ID: d.id, State: d.state, Stack: shortTrace(d.trace)}
	}
	return out
}
