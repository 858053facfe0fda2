package leakcheck

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/goleak"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/flight"
	"github.com/objtrack/objtrack/internal/stack"
)

// A checked test's goroutines are the goroutines that carry its pprof
// label: its own goroutine and every goroutine started by it or by one
// of their descendants, at any depth, before or after they ended (see
// internal/ancestry). pprof's goroutine profile lists them with their
// labels.

// group is one entry of the goroutine profile: goroutines with the same
// stack and labels.
type group struct {
	count  int
	frames []frame // innermost first; the runtime's own frames left out
}

type frame struct {
	function string
	file     string // "path/file.go:12"
}

func (g group) functions() []string {
	out := make([]string, len(g.frames))
	for i, f := range g.frames {
		out[i] = f.function
	}
	return out
}

// goroutinesCreated returns the number of goroutines started since the
// program began. A runtime that does not count them gets a number that
// changes at every call, so that no verdict skips its profile.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return uncounted.Add(1)
	}
	return s[0].Value.Uint64()
}

var uncounted atomic.Uint64

// profiles shares goroutine profiles among verdicts, as collections are
// shared: verdicts of parallel tests that end together read one profile
// taken after they all asked. A profile walks the stack of every
// goroutine, the paused parallel tests' too.
var profiles flight.Group[map[string][]group]

// goroutinesOf returns the goroutines of scope s: those labelled with
// its number, and those without a checked test's label whose stack names
// its test function (see fallback.go); but the test goroutines of package
// testing (the test itself, its subtests) and the runtime's own
// goroutines that goleak ignores too.
func goroutinesOf(s *scope) []group {
	byLabel := profiles.Do(goroutinesByLabel)
	var out []group
	for _, g := range byLabel[strconv.FormatUint(uint64(s.num), 10)] {
		if !ignoredByDefault(g.functions()) {
			out = append(out, g)
		}
	}
	if s.fn != "" {
		for _, g := range byLabel[""] {
			if !ignoredByDefault(g.functions()) && byFunctions(g.functions()) == s {
				out = append(out, g)
			}
		}
	}
	return out
}

// goroutinesByLabel takes a goroutine profile and returns its groups by
// the value of the ancestry label they carry.
func goroutinesByLabel() map[string][]group {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	return parseProfile(buf.String())
}

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

// ignoredByDefault reports whether a goroutine with these functions is
// one that goleak ignores by default, or one of package testing's: the
// loop of os/signal (started by the first signal.Notify, on the caller's
// goroutine, so carrying its labels), the execution tracer's reader, and
// test goroutines.
func ignoredByDefault(functions []string) bool {
	if len(functions) > 0 && (functions[0] == "os/signal.signal_recv" || functions[0] == "os/signal.loop") {
		return true
	}
	for _, f := range functions {
		switch f {
		case "runtime.ensureSigM", "runtime.ReadTrace", "testing.tRunner", "runtime/pprof.writeGoroutine":
			return true
		}
	}
	return false
}

// goroutineWait is how often, and how long at most, a verdict looks again
// for goroutines of the test that are still running: the back-off of
// goleak (a microsecond doubling up to 100 ms, 20 tries: about half a
// second in all), so that a slow machine gets the same number of chances
// as a fast one.
const (
	goroutineTries    = 20
	goroutineMaxPause = 100 * time.Millisecond
)

// waitForGoroutines waits until scope s has no goroutine left running, or
// gives up after goroutineTries looks, and returns the goroutines left.
// User options (GoroutineOptions) are applied to those.
func waitForGoroutines(s *scope) []group {
	if goroutinesCreated() == s.goroutinesBefore {
		// No goroutine was started anywhere since Check: none can carry
		// the test's label. Sequential tests that start none skip the
		// profile.
		return nil
	}
	for try := 0; ; try++ {
		if len(goroutinesOf(s)) == 0 {
			return nil
		}
		if try == goroutineTries {
			return stillRunning(s)
		}
		time.Sleep(min(time.Microsecond<<try, goroutineMaxPause))
	}
}

// stillRunning returns the goroutines of scope s running now that the
// user's options (GoroutineOptions) do not ignore.
func stillRunning(s *scope) []group {
	left := goroutinesOf(s)
	if len(left) > 0 && len(s.cfg.goleakOptions) > 0 {
		left = notIgnored(left, s.cfg.goleakOptions)
	}
	return left
}

// notIgnored keeps the groups that goleak, given the user's options, does
// not ignore. goleak's options are opaque: the only way to apply them is
// to run goleak, whose error lists the goroutines it did not ignore, each
// with its stack as the runtime prints it.
func notIgnored(groups []group, opts []goleak.Option) []group {
	err := goleak.Find(opts...)
	if err == nil {
		return nil
	}
	found := parseGoroutines(err.Error())
	if len(found) == 0 {
		return groups // cannot tell: keep them all, never hide a leak
	}
	return slices.DeleteFunc(groups, func(g group) bool {
		return !slices.ContainsFunc(found, func(d goroutineDump) bool { return slices.Equal(d.own(), g.functions()) })
	})
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
				fn, _, _ := strings.Cut(by, " in goroutine ")
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
