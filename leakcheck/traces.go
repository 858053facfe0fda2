package leakcheck

import (
	"cmp"
	"fmt"
	"hash/maphash"
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
			file, line := parseLocation(fields[3])
			g.frames = append(g.frames, Frame{Function: fn, File: file, Line: line})
		}
		g.label = value
		out[value] = append(out[value], g)
	}
	// How many goroutines have each stack, whatever their labels: when
	// others than a test's have the same, the traceback's ids need more
	// than the stack to be told apart (joinGoroutines).
	shared := map[string]int{}
	for _, gs := range out {
		for _, g := range gs {
			shared[functionsKey(g.functions())] += g.count
		}
	}
	for _, gs := range out {
		for i := range gs {
			gs[i].shared = shared[functionsKey(gs[i].functions())]
		}
	}
	return out
}

// describe turns the groups of scope s's leaked goroutines into report
// entries, with the ids, states and creation sites of the runtime's
// traceback (runtime.Stack), grouped by stack (groupGoroutines). It is
// called for failing verdicts only: the traceback of 10,000 goroutines
// takes tens of milliseconds.
func describe(s *scope, groups []group) []Goroutine {
	if len(groups) == 0 {
		return nil
	}
	return joinGoroutines(s, groups, allGoroutines())
}

// joinGoroutines finds the goroutines of groups, which come from the
// goroutine profile, in the traceback all. The profile has the labels
// that say whose a goroutine is, and no ids; the traceback has ids,
// states and creation sites, and no labels (unless the program runs with
// GODEBUG=tracebacklabels=1, and then the labels decide). They are joined
// by the functions of the stack. When goroutines of other tests have the
// same functions, who started them decides: the "created by ... in
// goroutine N" lines lead, through goroutines still running, to s's
// test's goroutine or to another running test's. Goroutines that cannot
// be told apart from the others are reported with what all of those
// share, as of unknown id, and never dropped.
func joinGoroutines(s *scope, groups []group, all []goroutineDump) []Goroutine {
	type wanted struct {
		labelled, unlabelled int     // the test's, by the label they carry
		shared               int     // all of the profile's with the functions
		frames               []Frame // as the profile has them
	}
	want := map[string]*wanted{}
	var keys []string
	for _, g := range groups {
		k := functionsKey(g.functions())
		w := want[k]
		if w == nil {
			w = &wanted{frames: g.frames}
			want[k] = w
			keys = append(keys, k)
		}
		if g.label == "" {
			w.unlabelled += g.count
		} else {
			w.labelled += g.count
		}
		w.shared = max(w.shared, g.shared)
	}
	byKey := map[string][]*goroutineDump{}
	byID := make(map[int]*goroutineDump, len(all))
	labelled := false
	for i := range all {
		d := &all[i]
		byID[d.id] = d
		labelled = labelled || d.labelled
		if k := functionsKey(d.own()); want[k] != nil {
			byKey[k] = append(byKey[k], d)
		}
	}
	mine := strconv.FormatUint(uint64(s.num), 10)
	others := otherTestGoroutines(s)
	var found []*goroutineDump
	var unknown []Goroutine
	for _, k := range keys {
		w, candidates := want[k], byKey[k]
		n := w.labelled + w.unlabelled
		switch {
		case labelled:
			for _, d := range candidates {
				if d.label == mine || d.label == "" && w.unlabelled > 0 {
					found = append(found, d)
				}
			}
			continue
		case n == w.shared && len(candidates) == n:
			found = append(found, candidates...)
			continue
		}
		var sure, undecided []*goroutineDump
		for _, d := range candidates {
			switch lineage(d, byID, s.goid, others) {
			case ofThisTest:
				sure = append(sure, d)
			case ofNoKnownTest:
				undecided = append(undecided, d)
			}
		}
		if len(sure)+len(undecided) <= n {
			sure, undecided = append(sure, undecided...), nil
		}
		found = append(found, sure...)
		if rest := n - len(sure); rest > 0 {
			unknown = append(unknown, unknownGoroutines(rest, w.frames, undecided))
		}
	}
	return sortGoroutines(append(groupGoroutines(found, s.cfg.maxShown), unknown...))
}

func functionsKey(functions []string) string { return strings.Join(functions, "\n") }

type whose int

const (
	ofNoKnownTest whose = iota
	ofThisTest
	ofAnotherTest
)

// lineage follows the creators of goroutine d, through the goroutines of
// the traceback, up to the goroutine of a running test: goid, the test
// being judged, or one of others. A goroutine whose creator has ended is
// of no known test.
func lineage(d *goroutineDump, byID map[int]*goroutineDump, goid int, others map[int]bool) whose {
	for id, hops := d.creator, 0; id != 0 && hops <= len(byID); hops++ {
		switch {
		case goid != 0 && id == goid:
			return ofThisTest
		case others[id]:
			return ofAnotherTest
		}
		p := byID[id]
		if p == nil {
			return ofNoKnownTest
		}
		id = p.creator
	}
	return ofNoKnownTest
}

// otherTestGoroutines returns the goroutine ids of the running checked
// tests other than s's.
func otherTestGoroutines(s *scope) map[int]bool {
	out := map[int]bool{}
	if p := withFunctions.list.Load(); p != nil {
		for _, o := range *p {
			if o != s && o.goid != 0 && o.goid != s.goid {
				out[o.goid] = true
			}
		}
	}
	return out
}

// groupGoroutines makes one entry of the goroutines that share frames
// (functions and lines), a creation site and a state, listing the ids of
// the first maxShown.
func groupGoroutines(ds []*goroutineDump, maxShown int) []Goroutine {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b *goroutineDump) int { return cmp.Compare(a.id, b.id) })
	index := map[uint64][]int{} // entries by groupHash
	seed := maphash.MakeSeed()
	parents := map[int]bool{} // entries whose goroutines have different creators
	var out []Goroutine
	for _, d := range ds {
		h := d.groupHash(seed)
		j := slices.IndexFunc(index[h], func(i int) bool { return sameGroup(&out[i], d) })
		var i int
		if j >= 0 {
			i = index[h][j]
		} else {
			i = len(out)
			index[h] = append(index[h], i)
			out = append(out, Goroutine{
				ID: d.id, State: d.state, Stack: shortTrace(d.trace),
				Frames: d.frames, CreatedBy: d.createdBy, CreatedIn: d.creator,
			})
		}
		g := &out[i]
		g.Count++
		if len(g.IDs) < maxShown {
			g.IDs = append(g.IDs, d.id)
		} else {
			g.More++
		}
		g.WaitMinutes = max(g.WaitMinutes, d.wait)
		if g.CreatedIn != d.creator && !parents[i] {
			parents[i] = true
			g.CreatedIn = 0
		}
	}
	return out
}

// groupHash hashes what the goroutines of one entry share: frames,
// creation site and state (sameGroup compares them).
func (d *goroutineDump) groupHash(seed maphash.Seed) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, f := range d.frames {
		h.WriteString(f.Function)
		h.WriteString(f.File)
		maphash.WriteComparable(&h, f.Line)
	}
	if by := d.createdBy; by != nil {
		maphash.WriteComparable(&h, *by)
	}
	h.WriteString(d.state)
	return h.Sum64()
}

func sameGroup(g *Goroutine, d *goroutineDump) bool {
	return g.State == d.state && slices.Equal(g.Frames, d.frames) &&
		(g.CreatedBy == nil) == (d.createdBy == nil) && (g.CreatedBy == nil || *g.CreatedBy == *d.createdBy)
}

// unknownGoroutines is the entry of n goroutines of the test that cannot
// be told apart from other tests' goroutines with the same functions: it
// says what the candidates share (frames, state, creation site), or the
// frames of the goroutine profile.
func unknownGoroutines(n int, frames []Frame, candidates []*goroutineDump) Goroutine {
	g := Goroutine{Count: n, More: n, Unknown: n}
	if len(candidates) > 0 {
		first := candidates[0]
		sameFrames, sameState, sameCreator := true, true, true
		for _, d := range candidates {
			sameFrames = sameFrames && slices.Equal(d.frames, first.frames)
			sameState = sameState && d.state == first.state
			sameCreator = sameCreator && d.createdBy != nil && first.createdBy != nil && *d.createdBy == *first.createdBy
			g.WaitMinutes = max(g.WaitMinutes, d.wait)
		}
		if sameFrames {
			g.Frames = first.frames
		}
		if sameState {
			g.State = first.state
		}
		if sameCreator {
			g.CreatedBy = first.createdBy
		}
	}
	if g.Frames == nil {
		g.Frames = frames
	}
	var b strings.Builder
	for _, f := range g.Frames {
		b.WriteString(f.String() + "\n")
	}
	if g.CreatedBy != nil {
		b.WriteString("created by " + g.CreatedBy.String() + "\n")
	}
	g.Stack = b.String()
	return g
}

// sortGoroutines puts the entries with the most goroutines first, then
// those of the lowest ids, those of unknown ids last.
func sortGoroutines(gs []Goroutine) []Goroutine {
	slices.SortStableFunc(gs, func(a, b Goroutine) int {
		if c := cmp.Compare(b.count(), a.count()); c != 0 {
			return c
		}
		if (a.ID == 0) != (b.ID == 0) {
			if a.ID == 0 {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return gs
}

// goroutineDump is one goroutine of runtime.Stack's output.
type goroutineDump struct {
	id    int
	state string // "chan receive", without the wait and the labels
	wait  int    // the minutes it has been blocked, as the runtime rounds them
	// label is the value of the ancestry label, when the runtime prints
	// labels (GODEBUG=tracebacklabels=1): labelled says it did.
	label     string
	labelled  bool
	functions []string // every function in its stack, "created by" included
	frames    []Frame  // its own stack, innermost first
	createdBy *Frame   // the go statement that started it; nil if none
	creator   int      // the id of the goroutine that started it, 0 if unknown
	trace     string   // the stack as printed, header excluded
}

// own returns the functions of the goroutine's own stack as the goroutine
// profile lists them: without the function that created it, and without
// the runtime's frames on top and runtime.goexit at the bottom, which
// GOTRACEBACK=system prints.
func (d goroutineDump) own() []string {
	fs := d.functions
	if n := len(fs); n > 0 && d.createdBy != nil {
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
		var last *Frame // the frame whose location comes next
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
				g.creator, _ = strconv.Atoi(parent)
				g.functions = append(g.functions, fn)
				g.createdBy = &Frame{Function: fn}
				last = g.createdBy
				continue
			}
			if strings.HasPrefix(line, "...") { // "...additional frames elided..."
				continue
			}
			if j := strings.LastIndexByte(line, '('); j > 0 {
				line = line[:j]
			}
			g.functions = append(g.functions, line)
			g.frames = append(g.frames, Frame{Function: line})
			last = &g.frames[len(g.frames)-1]
		}
		g.trace = text[start:pos]
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
func parseHeader(line string) (goroutineDump, bool) {
	var g goroutineDump
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
		g.id = id
	} else if rest, ok := strings.CutPrefix(line, "Goroutine "); ok && strings.HasSuffix(rest, " on top of the stack:") {
		idText, rest, _ := strings.Cut(rest, " in state ")
		id, err := strconv.Atoi(idText)
		if err != nil {
			return g, false
		}
		state, _, _ = strings.Cut(rest, ", with ")
		g.id = id
	} else {
		return g, false
	}
	g.state, g.wait, g.label, g.labelled = splitState(state)
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
		b.WriteString(stack.ShortName(fn) + loc + "\n")
	}
	return b.String()
}

// goleakFindings runs go.uber.org/goleak over the whole process, as
// Find does, and returns what it found (see findings).
func goleakFindings(opts []goleak.Option, maxShown int) []Goroutine {
	return findings(goleak.Find(opts...), maxShown)
}

// findings reads the error of goleak.Find: what it found, one entry per
// stack (groupGoroutines) listing the ids of the first maxShown.
func findings(err error, maxShown int) []Goroutine {
	if err == nil {
		return nil
	}
	found := parseGoroutines(err.Error())
	if len(found) == 0 { // a wording this version cannot read: keep it whole
		return []Goroutine{{State: "unknown", Stack: err.Error(), Count: 1}}
	}
	ds := make([]*goroutineDump, 0, len(found))
	for i := range found {
		if !frameworkGoroutine(found[i].functions) {
			ds = append(ds, &found[i])
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return sortGoroutines(groupGoroutines(ds, maxShown))
}
