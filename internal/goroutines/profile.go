package goroutines

import (
	"bytes"
	"fmt"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/stack"
)

// Group is one record of the goroutine profile: goroutines with the
// same stack and labels.
type Group struct {
	Count  int
	Frames []stack.Frame // innermost first; the runtime's own frames left out
	Label  string        // the value of the ancestry label, "" for none
	Shared int           // goroutines of the profile with these functions, whatever their labels
}

// Functions returns the functions of the group's stack, innermost first.
func (g Group) Functions() []string {
	out := make([]string, len(g.Frames))
	for i, f := range g.Frames {
		out[i] = f.Function
	}
	return out
}

// Profile takes a goroutine profile and returns its groups by the value
// of the ancestry label they carry, "" for those without it.
func Profile() map[string][]Group {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	return ParseProfile(buf.String())
}

// ParseProfile parses a goroutine profile written with debug=1 and
// returns its groups by the value of the ancestry label they carry, ""
// for those without it.
func ParseProfile(text string) map[string][]Group {
	// The header line ("goroutine profile: total 12") has no blank line
	// after it: the first group follows at once.
	if _, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(text, "goroutine profile:") {
		text = rest
	}
	key := fmt.Sprintf("%q:%q", ancestry.Key, "")
	key = key[:len(key)-1] // "objtrack.check":"
	out := map[string][]Group{}
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
		g := Group{Count: n}
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
			file, line := parseLocation(fields[3])
			g.Frames = append(g.Frames, stack.Frame{Function: fn, File: file, Line: line})
		}
		g.Label = value
		out[value] = append(out[value], g)
	}
	// How many goroutines have each stack, whatever their labels: when
	// others than a test's have the same, the traceback's ids need more
	// than the stack to be told apart.
	shared := map[string]int{}
	for _, gs := range out {
		for _, g := range gs {
			shared[Key(g.Functions())] += g.Count
		}
	}
	for _, gs := range out {
		for i := range gs {
			gs[i].Shared = shared[Key(gs[i].Functions())]
		}
	}
	return out
}

// Key joins the functions of a stack into one string, by which the
// goroutines of the profile and of the traceback are matched.
func Key(functions []string) string { return strings.Join(functions, "\n") }
