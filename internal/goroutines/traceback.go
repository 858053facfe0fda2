package goroutines

import (
	"runtime"
	"strconv"
	"strings"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/stack"
)

// Trace is one goroutine of a traceback: runtime.Stack's output, or a
// goleak error's quote of it.
type Trace struct {
	ID    int
	State string // "chan receive", without the wait and the labels
	Wait  int    // the minutes it has been blocked, as the runtime rounds them
	// Label is the value of the ancestry label, when the runtime prints
	// labels (GODEBUG=tracebacklabels=1): Labelled says it did.
	Label     string
	Labelled  bool
	Functions []string      // every function in its stack, "created by" included
	Frames    []stack.Frame // its own stack, innermost first
	CreatedBy *stack.Frame  // the go statement that started it; nil if none
	Creator   int           // the id of the goroutine that started it, 0 if unknown
	Text      string        // the stack as printed, header excluded
}

// Own returns the functions of the goroutine's own stack as the goroutine
// profile lists them: without the function that created it, and without
// the runtime's frames on top and runtime.goexit at the bottom, which
// GOTRACEBACK=system prints.
func (d Trace) Own() []string {
	fs := d.Functions
	if n := len(fs); n > 0 && d.CreatedBy != nil {
		fs = fs[:n-1]
	}
	i := 0
	for i < len(fs) && (strings.HasPrefix(fs[i], "runtime.") || strings.HasPrefix(fs[i], "internal/runtime/")) {
		i++
	}
	fs = fs[i:]
	if n := len(fs); n > 0 && fs[n-1] == "runtime.goexit" {
		fs = fs[:n-1]
	}
	return fs
}

// All parses runtime.Stack(all=true): every goroutine, the caller's
// first.
func All() []Trace { return stackOf(true) }

// Current parses runtime.Stack for the calling goroutine: its id and the
// id of the goroutine that started it.
func Current() Trace {
	if d := stackOf(false); len(d) > 0 {
		return d[0]
	}
	return Trace{}
}

func stackOf(all bool) []Trace {
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
	return Parse(string(buf))
}

// Parse finds the goroutines in text, each a header and the
// frames that follow as the runtime prints them: a runtime.Stack dump
// ("goroutine 7 [chan receive]:"), or an error of goleak's, which quotes
// the frames under headers of its own ("Goroutine 7 in state chan
// receive, with main.worker on top of the stack:").
// TestParseReadsGoleak runs goleak to check the second form.
func Parse(text string) []Trace {
	var out []Trace
	// Lines are read in place, and a goroutine's trace is a substring of
	// text: a traceback of 10,000 goroutines is megabytes.
	pos := 0
	next := func() (string, int) { // the line at pos, and where the one after starts
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			return text[pos:], len(text)
		}
		return text[pos : pos+end], pos + end + 1
	}
	for pos < len(text) {
		line, after := next()
		pos = after
		g, ok := parseHeader(line)
		if !ok {
			continue
		}
		start := pos
		var last *stack.Frame // the frame whose location comes next
		for pos < len(text) {
			line, after := next()
			if mayBeHeader(line) {
				if _, header := parseHeader(line); header {
					break
				}
			}
			if strings.TrimSpace(line) == "" || line == "]" ||
				strings.HasPrefix(line, "[originating from goroutine ") { // GODEBUG=tracebackancestors
				break
			}
			pos = after
			if loc, ok := strings.CutPrefix(line, "\t"); ok {
				if last != nil {
					last.File, last.Line = parseLocation(loc)
					last = nil
				}
				continue
			}
			last = nil
			if by, ok := strings.CutPrefix(line, "created by "); ok {
				fn, parent, _ := strings.Cut(by, " in goroutine ")
				g.Creator, _ = strconv.Atoi(parent)
				g.Functions = append(g.Functions, fn)
				g.CreatedBy = &stack.Frame{Function: fn}
				last = g.CreatedBy
				continue
			}
			if strings.HasPrefix(line, "...") { // "...additional frames elided..."
				continue
			}
			if j := strings.LastIndexByte(line, '('); j > 0 {
				line = line[:j]
			}
			g.Functions = append(g.Functions, line)
			g.Frames = append(g.Frames, stack.Frame{Function: line})
			last = &g.Frames[len(g.Frames)-1]
		}
		g.Text = text[start:pos]
		out = append(out, g)
	}
	return out
}

// mayBeHeader is a quick look at whether line can be a goroutine's
// header, before parseHeader reads it.
func mayBeHeader(line string) bool {
	line = strings.TrimLeft(line, " [")
	return strings.HasPrefix(line, "goroutine ") || strings.HasPrefix(line, "Goroutine ")
}

// parseLocation reads the location line of a frame, without its tab:
// "/src/db/pool.go:88 +0x1d".
func parseLocation(loc string) (file string, line int) {
	if j := strings.LastIndex(loc, " +0x"); j > 0 {
		loc = loc[:j]
	}
	j := strings.LastIndexByte(loc, ':')
	if j < 0 {
		return loc, 0
	}
	line, _ = strconv.Atoi(loc[j+1:])
	return loc[:j], line
}

// parseHeader reads the header of one goroutine, in either form.
func parseHeader(line string) (Trace, bool) {
	var g Trace
	var state string
	line = strings.TrimLeft(line, " [")
	if rest, ok := strings.CutPrefix(line, "goroutine "); ok && strings.HasSuffix(rest, "]:") {
		idText, more, _ := strings.Cut(rest, " ")
		id, err := strconv.Atoi(idText)
		if err != nil {
			return g, false
		}
		// GOTRACEBACK=all and above put "gp=0x... m=..." before the
		// state.
		_, state, _ = strings.Cut(strings.TrimSuffix(more, "]:"), "[")
		g.ID = id
	} else if rest, ok := strings.CutPrefix(line, "Goroutine "); ok && strings.HasSuffix(rest, " on top of the stack:") {
		idText, rest, _ := strings.Cut(rest, " in state ")
		id, err := strconv.Atoi(idText)
		if err != nil {
			return g, false
		}
		state, _, _ = strings.Cut(rest, ", with ")
		g.ID = id
	} else {
		return g, false
	}
	g.State, g.Wait, g.Label, g.Labelled = splitState(state)
	return g, true
}

// labelKey is how the runtime's traceback quotes the ancestry label's
// key among a goroutine's labels: {"objtrack.check": "3"}.
var labelKey = strconv.Quote(ancestry.Key) + `: "`

// splitState reads what the brackets of a goroutine's header say, "chan
// receive, 3 minutes, locked to thread", with the labels that
// GODEBUG=tracebacklabels=1 adds at the end: the state without the wait
// and the labels, the wait in minutes, and the ancestry label's value.
func splitState(text string) (state string, minutes int, label string, labelled bool) {
	if i := strings.Index(text, " labels:{"); i >= 0 {
		labels := text[i:]
		text, labelled = text[:i], true
		if _, v, ok := strings.Cut(labels, labelKey); ok {
			label, _, _ = strings.Cut(v, `"`)
		}
	}
	var kept []string
	for _, part := range strings.Split(text, ", ") {
		if n, ok := strings.CutSuffix(part, " minutes"); ok {
			if m, err := strconv.Atoi(n); err == nil {
				minutes = m
				continue
			}
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, ", "), minutes, label, labelled
}

// ShortTrace rewrites a goroutine's Text for a person: one line per frame,
// "pkg.fn (dir/file.go:12)", without arguments and offsets.
func ShortTrace(trace string) string {
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
		b.WriteString(stack.ShortName(fn) + loc + "\n")
	}
	return b.String()
}
