package leakcheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/heapdump"
	"github.com/objtrack/objtrack/internal/heapdump/symbols"
	"github.com/objtrack/objtrack/internal/stack"
	"github.com/objtrack/objtrack/internal/typename"
)

// Retention paths: what keeps each survivor of a failing verdict alive.
// The process writes a heap dump (runtime/debug.WriteHeapDump), the dump
// is searched breadth-first from the garbage collector's roots for the
// survivors' addresses (internal/heapdump), and each listed survivor gets
// the shortest path from the first tier of roots that reaches it.
// Nothing of this runs for a verdict that passes.

// maxVia is the number of objects a path lists between its root and the
// survivor before it is shortened in the middle.
const maxVia = 8

// heldOnly is what retention paths found of a failing report's
// survivors that is not the test's doing: survivors freed already,
// survivors that only a queued finalizer holds, and, for a verdict
// Within a framework, survivors that only the framework holds by now (a
// goroutine that held one ended during the grace).
type heldOnly struct {
	freed     bool
	queued    map[uint64]bool // by serial
	framework map[uint64]bool // by serial
}

// findHolders adds retention paths to the sites of a failing report,
// for the survivors that the sites list, and returns what they found
// that is not the test's doing.
func findHolders(rep *Report, s *scope) (found heldOnly) {
	if !s.cfg.paths || len(rep.Leaks) == 0 {
		return found
	}
	var targets []uint64
	for _, t := range rep.Leaks {
		for _, site := range t.Sites {
			for _, a := range site.addrs {
				targets = append(targets, uint64(a))
			}
		}
	}
	dir, keep := dumpDir(s)
	hs := holderSearch{budget: s.cfg.budget, heapLimit: s.cfg.pathsHeap, dir: dir, keep: keep, started: startedBy(s)}
	if fw := s.cfg.within; fw != nil {
		hs.framework, hs.frameworkVars = fw.packages, fw.variables
	}
	held, note := searchHolders(targets, hs)
	rep.PathsNote = note
	if held == nil {
		return found
	}
	i := 0
	for ti := range rep.Leaks {
		for si := range rep.Leaks[ti].Sites {
			site := &rep.Leaks[ti].Sites[si]
			for _, serial := range site.Serials {
				found.freed = found.freed || held[i].freed
				if held[i].queuedFinalizer {
					if found.queued == nil {
						found.queued = map[uint64]bool{}
					}
					found.queued[serial] = true
				}
				if held[i].framework {
					if found.framework == nil {
						found.framework = map[uint64]bool{}
					}
					found.framework[serial] = true
				}
				site.HeldBy = addPath(site.HeldBy, held[i], serial)
				i++
			}
		}
	}
	return found
}

// holderSearch is how searchHolders looks for holders.
type holderSearch struct {
	budget    time.Duration // bounds the symbol table's rebuild
	heapLimit int64         // the live heap above which nothing is dumped
	dir       string        // where to write the dump ("": a temporary file)
	keep      bool          // keep the dump
	started   map[uint64]bool
	// framework lists the packages whose roots are searched after all
	// others (heapdump.SearchOptions.Framework).
	framework     []string
	frameworkVars [][2]uint64 // heapdump.SearchOptions.FrameworkVariables
	// needNames refuses to search without a symbol table: the
	// framework's variables could not be told from the program's.
	needNames bool
	// noNames searches without a symbol table (which a test binary
	// rebuilds): only the paths' roots are wanted, not their names.
	noNames bool
}

// searchHolders writes a heap dump and returns, for each target address,
// what holds it (a Path without serials), and a note for the report: why
// there are no paths (nil), or which part is unknown.
func searchHolders(targets []uint64, hs holderSearch) (held []Path, note string) {
	if len(targets) == 0 {
		return nil, ""
	}
	if heap := liveHeap(); heap > hs.heapLimit {
		return nil, fmt.Sprintf("skipped: the live heap (%s) is over the limit (%s); raise it with leakcheck.PathsHeapLimit",
			mebibytes(heap), mebibytes(hs.heapLimit))
	}
	ctx, cancel := context.WithTimeout(context.Background(), hs.budget)
	defer cancel()
	var tab *symbols.Table
	symErr := errors.New("no names wanted")
	if !hs.noNames {
		tab, symErr = symbols.ForProcess(ctx, symbols.Options{CoverMode: testing.CoverMode()})
	}
	if symErr != nil && hs.needNames {
		return nil, "skipped: the program's variables cannot be named: " + symErr.Error()
	}
	var g *heapdump.Graph
	var err error
	var file string
	if hs.keep {
		if file, err = heapdump.Write(hs.dir); err == nil {
			g, err = heapdump.ReadGraphFile(file)
		}
	} else {
		dg := dumps.Do(dumpGraph)
		g, err = dg.g, dg.err
		if g == nil && err == nil {
			err = errors.New("the heap dump failed")
		}
	}
	if err != nil {
		return nil, "skipped: " + err.Error()
	}
	opts := heapdump.SearchOptions{Symbols: tab, Framework: hs.framework, FrameworkVariables: hs.frameworkVars, Untyped: pathsUntypedByEnv()}
	var notes []string
	if symErr != nil {
		opts.NoSymbols = symErr.Error()
		notes = append(notes, "globals are not named: "+symErr.Error())
	}
	if hs.keep {
		notes = append(notes, "heap dump kept: "+file)
	}
	names := trackedObjects(g)
	opts.Objects = make(map[uint64]string, len(names))
	for addr, name := range names {
		opts.Objects[addr] = strings.Replace(name, "  ", " ", 1) // m[*db.Conn serial 3]
	}
	for _, p := range g.Paths(targets, opts) {
		h := holderOf(p, names, hs.started)
		h.framework = p.Framework
		held = append(held, h)
	}
	return held, strings.Join(notes, "; ")
}

type dumpResult struct {
	g   *heapdump.Graph
	err error
}

// dumpGraph writes a heap dump and reads its graph. The dump has no name
// while it is read: a process killed meanwhile (go test -timeout) leaves
// no dump behind. It stays open while the graph is in use, which reads
// it again to name timers, and is closed once the graph is garbage: the
// verdicts that share the graph do not say when they are done with it.
func dumpGraph() dumpResult {
	f, done, err := heapdump.WriteTemp()
	if err != nil {
		return dumpResult{err: err}
	}
	g, err := heapdump.ReadGraph(f)
	if err != nil {
		done()
		return dumpResult{err: err}
	}
	runtime.AddCleanup(g, func(done func()) { done() }, done)
	return dumpResult{g, nil}
}

// liveHeap returns the bytes of live and not yet swept heap objects.
func liveHeap() int64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64())
}

// dumpDir returns where to write the heap dump, and whether to keep it:
// with go test -artifacts, in the test's artifact directory (or beside
// VerifyTestMain's JSON report); otherwise in a temporary file that is
// removed once read.
func dumpDir(s *scope) (dir string, keep bool) {
	if !artifactsKept() {
		return "", false
	}
	if s.artifactDir != nil {
		return s.artifactDir(), true
	}
	if s.cfg.reportFile != "" {
		if fi, err := os.Stat(s.cfg.reportFile); err == nil && fi.IsDir() {
			return s.cfg.reportFile, true
		}
		return filepath.Dir(s.cfg.reportFile), true
	}
	return "", false
}

// trackedObjects names the heap objects that hold a tracked object the
// registry knows, by where they start: "*db.Conn serial 3".
func trackedObjects(g *heapdump.Graph) map[uint64]string {
	out := map[uint64]string{}
	for _, o := range reg.Collect(nil) {
		if start, _, ok := g.ObjectAt(uint64(o.Addr)); ok {
			out[start] = fmt.Sprintf("*%s  serial %d", stack.ShortName(typename.Full(o.Type)), o.Serial)
		}
	}
	return out
}

// holderOf turns a path of the dump into a report's Path (without its
// serials): the root's line and the objects between the root and the
// survivor.
func holderOf(p heapdump.Path, names map[uint64]string, started map[uint64]bool) (out Path) {
	if p.Typed > 0 && p.Typed == len(p.Steps)-1 {
		// The expression reaches the survivor: its type must be a
		// pointer to the survivor's, or a step was taken for what it is
		// not, and the steps are listed by size instead.
		if name, ok := names[p.Steps[p.Typed].Addr]; !ok || !strings.HasPrefix(name, p.TypedAs+"  ") {
			p = p.Untyped()
		}
	}
	var shares string // the allocation the survivor shares with what the expression reaches
	if g := p.Root.Global; g != nil && g.Typed && len(p.Steps) > 0 && p.Steps[len(p.Steps)-1].Pointer != p.Target {
		// The expression reaches another part of the survivor's
		// allocation (another element of one []T): not the survivor.
		last := p.Steps[len(p.Steps)-1]
		p = p.Untyped()
		shares = fmt.Sprintf("%d B object (%s)", last.Size, sharesReason)
	}
	out = Path{
		Root:            p.RootText(),
		Steps:           pathSteps(p.ExprSteps()),
		freed:           !p.Found() && len(p.Steps) == 0,
		queuedFinalizer: p.Root.Kind == heapdump.RootFinalizer && p.Root.Finalizer != nil && p.Root.Finalizer.Queued,
	}
	out.rootSteps = len(out.Steps)
	if p.Root.Kind == heapdump.RootGoroutine && p.Root.Goroutine != nil {
		out.StartedByTest = started[p.Root.Goroutine.ID]
	}
	defer func() { // the survivor ends every path
		if len(p.Steps) > 0 {
			out.Steps = append(out.Steps, PathStep{Kind: "survivor", Type: typeOfName(names[p.Steps[len(p.Steps)-1].Addr])})
		}
	}()
	if len(p.Steps) < 2 {
		if shares != "" {
			out.via(shares, PathStep{Kind: "object", Size: p.Steps[len(p.Steps)-1].Size, Reason: sharesReason})
		}
		return out
	}
	closures := map[int]heapdump.Closure{} // by step
	for _, c := range p.Closures {
		closures[c.Step] = checkedClosure(c, p, names)
	}
	via := p.Steps[p.Typed : len(p.Steps)-1] // the last is the survivor; the root's text goes through the Typed
	for i := 0; i < len(via); i++ {
		st := via[i]
		if len(via) > maxVia && i == maxVia/2 {
			out.via(fmt.Sprintf("... %d more ...", len(via)-maxVia), PathStep{Kind: "more", Key: fmt.Sprint(len(via) - maxVia)})
		}
		if len(via) > maxVia && i >= maxVia/2 && i < len(via)-maxVia/2 {
			continue
		}
		if c, ok := closures[p.Typed+i]; ok {
			// The closure and its variable's expression go through
			// its Typed steps.
			out.Via = append(out.Via, c.Text())
			out.Steps = append(out.Steps, pathSteps(c.ExprSteps())...)
			i += c.Typed
			continue
		}
		switch name, ok := names[st.Addr]; {
		case ok:
			out.via(fmt.Sprintf("%s (%d B)", name, st.Size), PathStep{Kind: "object", Type: typeOfName(name), Size: st.Size})
		case i == 0 && p.TypeStop != "":
			// Where the expression stops: why, once.
			out.via(fmt.Sprintf("%d B object (%s)", st.Size, p.TypeStop), PathStep{Kind: "object", Size: st.Size, Reason: p.TypeStop})
		default:
			out.via(fmt.Sprintf("%d B object", st.Size), PathStep{Kind: "object", Size: st.Size})
		}
	}
	if shares != "" {
		out.via(shares, PathStep{Kind: "object", Size: p.Steps[len(p.Steps)-1].Size, Reason: sharesReason})
	}
	return out
}

// sharesReason says why a path ends at an object it does not name.
const sharesReason = "the allocation the survivor shares with what the variable points to"

// via adds a line of Via and its step.
func (p *Path) via(line string, st PathStep) {
	p.Via = append(p.Via, line)
	p.Steps = append(p.Steps, st)
}

// typeOfName returns the type of a tracked object's name,
// "*db.Conn  serial 3".
func typeOfName(name string) string {
	typ, _, _ := strings.Cut(name, "  ")
	return typ
}

// pathSteps turns the steps of an expression into a report's.
func pathSteps(steps []heapdump.ExprStep) []PathStep {
	out := make([]PathStep, len(steps))
	for i, st := range steps {
		out[i] = PathStep{Kind: st.Kind, Name: st.Name, Func: st.Func, Type: st.Type, Key: st.Key, Position: st.Position, Goroutine: st.Goroutine}
	}
	return out
}

// checkedClosure returns c, without the expression that goes on from
// its variable when that reaches the survivor as another type than the
// survivor's (as holderOf does for the root's).
func checkedClosure(c heapdump.Closure, p heapdump.Path, names map[uint64]string) heapdump.Closure {
	if c.Typed > 0 && c.Step+c.Typed == len(p.Steps)-2 {
		if name, ok := names[p.Steps[len(p.Steps)-1].Addr]; !ok || !strings.HasPrefix(name, c.TypedAs+"  ") {
			c.Expr, c.Typed = "", 0
		}
	}
	return c
}

// addPath adds serial to the path of paths that has the same holder, or
// appends p for it: survivors that share a holder show it once. The
// elements of one slice or array are one holder: "global  x.pool[0]" and
// "global  x.pool[3]" show as "global  x.pool[0, 3]".
func addPath(paths []Path, p Path, serial uint64) []Path {
	for i := range paths {
		q := &paths[i]
		if !slices.Equal(q.Via, p.Via) {
			continue
		}
		if q.Root == p.Root || mergeIndexes(q, p.Root) {
			q.Serials = append(q.Serials, serial)
			return paths
		}
	}
	p.Serials = []uint64{serial}
	return append(paths, p)
}

// maxIndexes is the number of indexes or keys that a path of several
// survivors shows: "m["a", "b", ... and 90 more]".
const maxIndexes = 8

// mergedRoot is the root of a path of several survivors that the
// elements of one slice, or the values of one map, hold: its text before
// and after its index list, and all the indexes.
type mergedRoot struct {
	prefix, suffix string
	indexes        []string
}

// mergeIndexes adds the index of root b to the last index list of q's
// root, when the two differ in that index alone: elements of one slice,
// or values of one map, hold the survivors.
func mergeIndexes(q *Path, b string) bool {
	if q.merged == nil {
		prefix, list, suffix, ok := lastIndexes(q.Root)
		if !ok {
			return false
		}
		q.merged = &mergedRoot{prefix: prefix, suffix: suffix, indexes: list}
	}
	m := q.merged
	prefix, list, suffix, ok := lastIndexes(b)
	if !ok || prefix != m.prefix || suffix != m.suffix || len(list) != 1 {
		return false
	}
	if !slices.Contains(m.indexes, list[0]) { // else another survivor that the same element holds
		m.indexes = append(m.indexes, list[0])
		slices.SortFunc(m.indexes, compareLiterals)
	}
	shown, more := m.indexes, ""
	if len(shown) > maxIndexes {
		shown, more = shown[:maxIndexes], fmt.Sprintf(", ... and %d more", len(shown)-maxIndexes)
	}
	q.Root = m.prefix + "[" + strings.Join(shown, ", ") + more + "]" + m.suffix
	// The last index among the root's steps is the one the list is of.
	for i := q.rootSteps - 1; i >= 0; i-- {
		if q.Steps[i].Kind == "index" {
			q.Steps[i].Key = strings.Join(shown, ", ") + more
			break
		}
	}
	return true
}

// lastIndexes splits a root's text at its last list of indexes or keys,
// Go literals: "x.pool[0, 3].c" is "x.pool", ["0" "3"] and ".c";
// `x.m["a", "b"]` is "x.m", [`"a"` `"b"`] and "".
func lastIndexes(s string) (prefix string, indexes []string, suffix string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '[' {
			continue
		}
		if list, end, found := literalList(s, i+1); found {
			prefix, indexes, suffix, ok = s[:i], list, s[end+1:], true
			i = end
		}
	}
	return prefix, indexes, suffix, ok
}

// literalList parses the literals that start at s[i], separated by ", "
// and closed by "]", and returns them and where the "]" is.
func literalList(s string, i int) (list []string, end int, ok bool) {
	for {
		n := literalLen(s[i:])
		if n == 0 {
			return nil, 0, false
		}
		list = append(list, s[i:i+n])
		i += n
		switch {
		case strings.HasPrefix(s[i:], "]"):
			return list, i, true
		case strings.HasPrefix(s[i:], ", "):
			i += 2
		default:
			return nil, 0, false
		}
	}
}

// literalLen returns the length of the Go literal that starts s: a
// quoted string, possibly cut short ("abc"...), an integer, or a bool;
// 0 if none does.
func literalLen(s string) int {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return 0
		}
		if strings.HasPrefix(s[len(q):], "...") {
			return len(q) + 3
		}
		return len(q)
	}
	for _, b := range []string{"true", "false"} {
		if strings.HasPrefix(s, b) {
			return len(b)
		}
	}
	n := 0
	if strings.HasPrefix(s, "-") {
		n = 1
	}
	digits := n
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == digits {
		return 0
	}
	return n
}

// compareLiterals orders integers by value, and other literals as text.
func compareLiterals(x, y string) int {
	a, errA := strconv.ParseInt(x, 10, 64)
	b, errB := strconv.ParseInt(y, 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(a, b)
	}
	return strings.Compare(x, y)
}

// startedBy returns the ids of the goroutines that the scope's test
// started, directly or through goroutines it started: the goroutine of
// the test and its descendants, by the "created by ... in goroutine N"
// lines of the runtime's traceback.
func startedBy(s *scope) map[uint64]bool {
	if s.Goroutine == 0 {
		return nil
	}
	all := goroutines.All()
	creator := make(map[int]int, len(all))
	for _, d := range all {
		creator[d.ID] = d.Creator
	}
	out := map[uint64]bool{}
	for _, d := range all {
		for id, hops := d.ID, 0; id != 0 && hops < len(all); id, hops = creator[id], hops+1 {
			if id == s.Goroutine && d.ID != s.Goroutine {
				out[uint64(d.ID)] = true
				break
			}
		}
	}
	return out
}

// mebibytes is a size in MiB, with a decimal under 10 MiB.
func mebibytes(n int64) string {
	if n < 10<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
