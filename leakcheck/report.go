package leakcheck

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/objtrack/objtrack/internal/display"

	"github.com/objtrack/objtrack/internal/stack"
)

// Report is a verdict as data: what survived a scope, where it was made,
// what the options allowed or ignored, and how the verdict was reached.
// Its String method is the text that failing tests print; it also
// marshals to JSON.
type Report struct {
	// Package is the import path of the package whose tests ran, in
	// VerifyTestMain's report.
	Package string `json:"package,omitempty"`
	// Scope is the test that was judged, or "TestMain".
	Scope string `json:"scope"`
	// Leaks lists the types with objects that should not have survived,
	// the largest count first.
	Leaks []TypeReport `json:"leaks"`
	// Allowed lists the types whose survivors Allow permitted.
	Allowed []AllowedType `json:"allowed,omitempty"`
	// Ignored lists the types that IgnoreTypes left out, with their
	// survivors.
	Ignored []IgnoredType `json:"ignored,omitempty"`
	// Notes says what else the reader of a failing report should know:
	// options whose type names matched none of the survivors, say.
	Notes []string `json:"notes,omitempty"`
	// AlreadyReported counts survivors that an earlier verdict (a failed
	// Check) reported already.
	AlreadyReported int `json:"already_reported,omitempty"`
	// Goroutines lists the goroutines that leaked, as go.uber.org/goleak
	// or Check's goroutine check described them; empty if none.
	Goroutines []Goroutine `json:"goroutines,omitempty"`
	// GoroutineCheck says whether goroutines were checked and how.
	GoroutineCheck string `json:"goroutine_check"`
	// Settled says how the garbage collector was brought to a fixed point.
	Settled Settling `json:"settled"`
	// PathsNote says why the report has no retention paths, or which
	// part of them is unknown, when that is so.
	PathsNote string `json:"paths_note,omitempty"`

	leaked []uint64 // the serials of every leaked object
}

// TypeReport is the survivors of one type.
type TypeReport struct {
	Name  string `json:"type"`  // the full type name: "example.com/db.Conn"
	Count int    `json:"count"` // survivors of this type
	Sites []Site `json:"sites"` // grouped by creation site, the largest first
	// PathsNote, set by Live only, says why there are no retention paths,
	// or which part of them is unknown (a Report says it once, for all
	// its types).
	PathsNote string `json:"paths_note,omitempty"`
}

// Frame is one function in a creation site.
type Frame struct {
	Function string `json:"function"` // "example.com/db.(*Conn).Dial"
	File     string `json:"file"`     // the full path of the source file
	Line     int    `json:"line"`
}

// String returns the frame as a person reads it: "db.(*Conn).Dial
// (db/conn.go:42)".
func (f Frame) String() string {
	return stack.Frame(f).Short()
}

// Site is the survivors of one type made on one call path.
type Site struct {
	Count   int      `json:"count"`
	Frames  []Frame  `json:"frames,omitempty"`  // innermost first; empty when stacks were off
	Serials []uint64 `json:"serials"`           // the first few
	Bundles []string `json:"bundles,omitempty"` // as text: a string bundle as it is
	More    int      `json:"more,omitempty"`    // survivors not listed
	// HeldBy says what keeps the listed survivors alive: one path per
	// holder, each with the serials it holds. Empty when paths were off,
	// skipped (Report.PathsNote says why) or not found.
	HeldBy []Path `json:"held_by,omitempty"`

	addrs []uintptr // an address inside each listed survivor, as Serials
}

// Path is what keeps survivors alive: a chain of references from a root
// of the garbage collector to them, found in a heap dump; the shortest
// from the roots that are searched first (internal/heapdump: the
// verdict's own frames, and a framework's roots, come last).
type Path struct {
	// Root holds the first reference: a package-level variable, as the
	// Go expression that reaches the survivor where the types are known
	// ("global  db.cache.conns[2]"), a goroutine ("goroutine 17 [chan
	// receive] db.(*Pool).serve (db/pool.go:88)"), a finalizer, a
	// runtime structure, or why no root was found.
	Root string `json:"root"`
	// StartedByTest is true when Root is a goroutine that the judged test
	// started (or one of its goroutines did).
	StartedByTest bool `json:"started_by_test,omitempty"`
	// Via lists the objects from the root to the survivors, "48 B object"
	// or a tracked object's type and serial; a long path is shortened in
	// the middle, with a "... 12 more ..." entry.
	Via []string `json:"via,omitempty"`
	// Steps are the root, Via and the survivor as data, step by step:
	// what each is (a variable, a field, an index, an object...), and
	// its name, type or key, as PathStep says.
	Steps []PathStep `json:"steps,omitempty"`
	// Serials are the survivors this path holds (the site's listed ones).
	Serials []uint64 `json:"serials"`
	// freed says that the survivor is in no object of the dump: it was
	// freed after the verdict counted it; queuedFinalizer, that a
	// finalizer queued to run holds it (see judge).
	freed, queuedFinalizer bool
	framework              bool // only the framework of Within holds it
	merged                 *mergedRoot
	rootSteps              int // the leading Steps that Root says
}

// PathStep is one step of a Path, as data.
type PathStep struct {
	// Kind is what the step is. The root: "global" (Name is the
	// package-level variable), "variable" (a goroutine's variable, or a
	// closure's: Name, Func, Position, Goroutine), "goroutine" (a frame
	// that no variable names: Func, Position, Goroutine), "timer",
	// "finalizer" (Func), "runtime" or "none" (Name says what). Inside a
	// value: "field" (Name), "index" (of a slice, an array or a map:
	// Key, as Go writes it; several for a path that holds several
	// survivors), "slice" (a re-slicing, s[:n], that reaches beyond a
	// slice's length: Key is ":n"), "assert" (an interface's dynamic
	// type: Type), "load" (sync.Map's or atomic's Load: Key), "key" (the
	// next object is a map's key), "buffer" (a channel's: Key says where
	// in its queue).
	// Between values: "closure" (a function literal: Func, Position; its
	// captured variable follows, as a "variable"), "method" (a method
	// value, x.M, which holds its receiver: Func), "object" (Type for a
	// tracked one, else Size and, where its type is unknown, Reason),
	// "more" (Key objects left out), "text" (Name). Last, "survivor"
	// (Type).
	Kind      string `json:"kind"`
	Name      string `json:"name,omitempty"`
	Func      string `json:"func,omitempty"`
	Type      string `json:"type,omitempty"`
	Key       string `json:"key,omitempty"`
	Position  string `json:"position,omitempty"`
	Goroutine uint64 `json:"goroutine,omitempty"`
	Size      uint64 `json:"size,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// AllowedType is a type whose survivors an Allow option permitted.
type AllowedType struct {
	Name   string `json:"type"`
	Live   int    `json:"live"`
	Max    int    `json:"max"`
	Reason string `json:"reason,omitempty"`
}

// IgnoredType is a type left out by IgnoreTypes.
type IgnoredType struct {
	Name string `json:"type"`
	Live int    `json:"live"`
}

// Goroutine is a leaked goroutine, or the leaked goroutines that share a
// stack, a creation site and a state: ten thousand goroutines blocked on
// one channel are one Goroutine whose Count is 10000.
type Goroutine struct {
	// ID is the goroutine's id; for several, the lowest of IDs; 0 when
	// the ids are unknown (Unknown).
	ID int `json:"id"`
	// State is what the goroutines are doing, as the runtime says it in
	// its tracebacks: "chan receive", "select", "running". The time they
	// have waited is WaitMinutes.
	State string `json:"state"`
	// Stack is the stack as text, innermost first, one frame a line,
	// "created by" last.
	Stack string `json:"stack"`
	// Count is how many goroutines the entry stands for.
	Count int `json:"count"`
	// IDs lists the ids of the first few goroutines (as Site.Serials
	// lists serials: MaxShown of them), lowest first.
	IDs []int `json:"ids,omitempty"`
	// More counts the goroutines not listed in IDs, Unknown included.
	More int `json:"more,omitempty"`
	// Unknown counts the goroutines whose ids could not be told: other
	// tests' goroutines had the same stack, and the runtime's traceback,
	// which gives ids, does not say which test a goroutine is of unless
	// GODEBUG=tracebacklabels=1 (or, rarely, they ended between the
	// goroutine profile that counted them and the traceback).
	Unknown int `json:"unknown_ids,omitempty"`
	// WaitMinutes is how long the goroutines have been blocked, the
	// longest of them, in whole minutes as the runtime rounds it; 0 for
	// less than a minute.
	WaitMinutes int `json:"wait_minutes,omitempty"`
	// Frames is the stack as data, innermost first, without the creation
	// site; empty when it could not be read.
	Frames []Frame `json:"frames,omitempty"`
	// CreatedBy is the go statement that started the goroutines; nil
	// when unknown.
	CreatedBy *Frame `json:"created_by,omitempty"`
	// CreatedIn is the id of the goroutine that ran that go statement; 0
	// when unknown or when different goroutines started them.
	CreatedIn int `json:"created_in,omitempty"`
}

// count is the number of goroutines that g stands for: a Goroutine made
// before Count existed stands for one.
func (g Goroutine) count() int { return max(g.Count, 1) }

// Settling says how the verdict's garbage collections went.
type Settling struct {
	Rounds      int           `json:"gc_rounds"`
	Waited      time.Duration `json:"waited_ns"`
	CleanupsRun uint64        `json:"cleanups_run"`
}

// Leaked reports whether the verdict is a failure: objects or goroutines
// that should not have survived.
func (r *Report) Leaked() bool {
	return len(r.Leaks) > 0 || len(r.Goroutines) > 0
}

// GoroutineCount returns the number of leaked goroutines.
func (r *Report) GoroutineCount() int {
	n := 0
	for _, g := range r.Goroutines {
		n += g.count()
	}
	return n
}

// Count returns the number of leaked objects.
func (r *Report) Count() int {
	n := 0
	for _, t := range r.Leaks {
		n += t.Count
	}
	return n
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// String renders the report for a person: a headline, one block per
// leaked type with its creation sites, then what was allowed, ignored or
// left to a later verdict, then how the verdict was reached.
func (r *Report) String() string {
	var b strings.Builder
	n := r.Count()
	switch {
	case n > 0:
		fmt.Fprintf(&b, "leakcheck: %s outlived %s (%s)\n", plural(n, "tracked object"), r.Scope, plural(len(r.Leaks), "type"))
	case len(r.Goroutines) > 0:
		fmt.Fprintf(&b, "leakcheck: no tracked object outlived %s, but goroutines did\n", r.Scope)
	default:
		fmt.Fprintf(&b, "leakcheck: no tracked object outlived %s\n", r.Scope)
	}
	for _, t := range r.Leaks {
		writeType(&b, t, "live")
	}
	if len(r.Goroutines) > 0 {
		writeGoroutines(&b, r.Goroutines)
	}
	if len(r.Allowed) > 0 {
		b.WriteString("\nallowed:\n")
		for _, a := range r.Allowed {
			fmt.Fprintf(&b, "  %s: %d live, up to %d allowed", a.Name, a.Live, a.Max)
			if a.Reason != "" {
				fmt.Fprintf(&b, ": %s", a.Reason)
			}
			b.WriteByte('\n')
		}
	}
	if len(r.Ignored) > 0 {
		b.WriteString("\nignored:\n")
		for _, i := range r.Ignored {
			fmt.Fprintf(&b, "  %s: %d live\n", i.Name, i.Live)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	if r.PathsNote != "" {
		fmt.Fprintf(&b, "\nretention paths: %s\n", r.PathsNote)
	}
	if r.AlreadyReported > 0 {
		fmt.Fprintf(&b, "\n%s reported by earlier verdicts not repeated here\n", plural(r.AlreadyReported, "survivor"))
	}
	fmt.Fprintf(&b, "\nverdict: %s, %v waiting for %s; goroutines: %s\n",
		plural(r.Settled.Rounds, "garbage collection"), r.Settled.Waited.Round(time.Millisecond),
		plural(int(r.Settled.CleanupsRun), "cleanup"), r.GoroutineCheck)
	return b.String()
}

func writeType(b *strings.Builder, t TypeReport, what string) {
	fmt.Fprintf(b, "\n%s: %d %s\n", t.Name, t.Count, what)
	for _, s := range t.Sites {
		if len(s.Frames) == 0 {
			fmt.Fprintf(b, "  %d made at an unrecorded site\n", s.Count)
		} else {
			fmt.Fprintf(b, "  %d made at\n", s.Count)
			writeFrames(b, s.Frames)
		}
		fmt.Fprintf(b, "    serials: %s%s\n", joinSerials(s.Serials), more(s.More))
		if len(s.Bundles) > 0 {
			quoted := make([]string, len(s.Bundles))
			for i, text := range s.Bundles {
				quoted[i] = strconv.Quote(text)
			}
			fmt.Fprintf(b, "    bundles: %s%s\n", strings.Join(quoted, ", "), more(s.More))
		}
		for _, p := range s.HeldBy {
			writePath(b, p, t.Name)
		}
	}
}

// writeFrames writes a call path as text reports show it: the first
// display.Frames frames, then "... n more frames", except that the first
// frame of the tested package is shown wherever it is, with what is left
// counted after it:
//
//	sql.(*DB).conn (sql/sql.go:1402)
//	...
//	... 3 more frames
//	db.TestQuery (db/db_test.go:42)
//	... 1 more frame
func writeFrames(b *strings.Builder, frames []Frame) {
	head, kept := display.FrameCut(len(frames), func(i int) bool { return inTestedPackage(frames[i].Function) })
	for _, f := range frames[:head] {
		fmt.Fprintf(b, "      %s\n", f)
	}
	rest := frames[head:]
	if kept >= 0 {
		if skipped := kept - head; skipped > 0 {
			fmt.Fprintf(b, "      ... %s\n", plural(skipped, "more frame"))
		}
		fmt.Fprintf(b, "      %s\n", frames[kept])
		rest = frames[kept+1:]
	}
	if len(rest) > 0 {
		fmt.Fprintf(b, "      ... %s\n", plural(len(rest), "more frame"))
	}
}

// writeGoroutines writes the leaked goroutines, one entry per stack, the
// largest first, display.Stacks entries at most:
//
//	10000 goroutines still running:
//	  10000 goroutines [chan receive], ids 21, 22, 23, 24, 25 and 9995 more:
//	      db.(*Pool).serve (db/pool.go:88)
//	      created by db.Open (db/pool.go:40) in goroutine 7
func writeGoroutines(b *strings.Builder, gs []Goroutine) {
	total := 0
	for _, g := range gs {
		total += g.count()
	}
	fmt.Fprintf(b, "\n%s still running:\n", plural(total, "goroutine"))
	unknown := false
	for i, g := range gs {
		if i == display.Stacks {
			left := 0
			for _, g := range gs[i:] {
				left += g.count()
			}
			fmt.Fprintf(b, "  ... and %d more on %s\n", left, plural(len(gs)-i, "other stack"))
			break
		}
		unknown = unknown || g.Unknown > 0
		writeGoroutine(b, g)
	}
	if unknown {
		b.WriteString("  (ids unknown: goroutines of other tests have the same stack; GODEBUG=tracebacklabels=1 tells them apart)\n")
	}
}

func writeGoroutine(b *strings.Builder, g Goroutine) {
	state := ""
	if g.State != "" || g.WaitMinutes > 0 {
		parts := []string{}
		if g.State != "" {
			parts = append(parts, g.State)
		}
		if g.WaitMinutes > 0 {
			upTo := ""
			if g.count() > 1 {
				upTo = "up to "
			}
			parts = append(parts, fmt.Sprintf("%s%d minutes", upTo, g.WaitMinutes))
		}
		state = " [" + strings.Join(parts, ", ") + "]"
	}
	switch {
	case g.count() == 1 && g.ID != 0:
		fmt.Fprintf(b, "  goroutine %d%s:\n", g.ID, state)
	case g.count() == 1:
		fmt.Fprintf(b, "  goroutine%s, id unknown:\n", state)
	default:
		fmt.Fprintf(b, "  %d goroutines%s, %s:\n", g.count(), state, idList(g))
	}
	if len(g.Frames) == 0 {
		// Only the text is known: a wording of goleak's that this
		// version cannot read, or a report made before Frames existed.
		for _, line := range strings.Split(strings.TrimRight(g.Stack, "\n"), "\n") {
			fmt.Fprintf(b, "      %s\n", line)
		}
		return
	}
	writeFrames(b, g.Frames)
	if g.CreatedBy != nil {
		in := ""
		if g.CreatedIn != 0 {
			in = fmt.Sprintf(" in goroutine %d", g.CreatedIn)
		}
		by := g.CreatedBy.String()
		if g.CreatedBy.File == "" {
			by = stack.ShortName(g.CreatedBy.Function)
		}
		fmt.Fprintf(b, "      created by %s%s\n", by, in)
	}
}

// idList says which goroutines an entry of several stands for: "ids 12,
// 13, 14 and 34 more", "ids 12, 13 and 35 unknown", "ids unknown".
func idList(g Goroutine) string {
	if len(g.IDs) == 0 {
		return "ids unknown"
	}
	ids := make([]string, len(g.IDs))
	for i, id := range g.IDs {
		ids[i] = strconv.Itoa(id)
	}
	text := "ids " + strings.Join(ids, ", ")
	known, unknown := g.More-g.Unknown, g.Unknown
	switch {
	case known > 0 && unknown > 0:
		return fmt.Sprintf("%s and %d more, %d unknown", text, known, unknown)
	case known > 0:
		return fmt.Sprintf("%s and %d more", text, known)
	case unknown > 0:
		return fmt.Sprintf("%s and %d unknown", text, unknown)
	}
	return text
}

// writePath writes a retention path, the root first and the survivors
// last:
//
//	held by:
//	  global  db.registry.byAddr[...]
//	  -> 48 B object
//	  -> *db.Conn  serial 3
func writePath(b *strings.Builder, p Path, typeName string) {
	b.WriteString("    held by:\n")
	root := p.Root
	if p.StartedByTest {
		root += ", started by the test"
	}
	fmt.Fprintf(b, "      %s\n", root)
	for _, v := range p.Via {
		fmt.Fprintf(b, "      -> %s\n", v)
	}
	what := "serial"
	if len(p.Serials) > 1 {
		what = "serials"
	}
	fmt.Fprintf(b, "      -> *%s  %s %s\n", stack.ShortName(typeName), what, joinSerials(p.Serials))
}

func joinSerials(ss []uint64) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

func more(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
