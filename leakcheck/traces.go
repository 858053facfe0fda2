package leakcheck

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/stack"
	"go.uber.org/goleak"
)

// The report entries of leaked goroutines: the groups of the goroutine
// profile that are the test's, joined with the goroutines of the
// traceback, which have ids, states and creators (internal/goroutines
// reads both), and grouped by stack.

// describe turns the groups of scope s's leaked goroutines into report
// entries, with the ids, states and creation sites of the runtime's
// traceback (runtime.Stack), grouped by stack (groupGoroutines). It is
// called for failing verdicts only: the traceback of 10,000 goroutines
// takes tens of milliseconds.
func describe(s *scope, groups []goroutines.Group) []Goroutine {
	if len(groups) == 0 {
		return nil
	}
	return joinGoroutines(s, groups, goroutines.All())
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
func joinGoroutines(s *scope, groups []goroutines.Group, all []goroutines.Trace) []Goroutine {
	type wanted struct {
		labelled, unlabelled int           // the test's, by the label they carry
		shared               int           // all of the profile's with the functions
		frames               []stack.Frame // as the profile has them
	}
	want := map[string]*wanted{}
	var keys []string
	for _, g := range groups {
		k := goroutines.Key(g.Functions())
		w := want[k]
		if w == nil {
			w = &wanted{frames: g.Frames}
			want[k] = w
			keys = append(keys, k)
		}
		if g.Label == "" {
			w.unlabelled += g.Count
		} else {
			w.labelled += g.Count
		}
		w.shared = max(w.shared, g.Shared)
	}
	byKey := map[string][]*goroutines.Trace{}
	byID := make(map[int]*goroutines.Trace, len(all))
	labelled := false
	for i := range all {
		d := &all[i]
		byID[d.ID] = d
		labelled = labelled || d.Labelled
		if k := goroutines.Key(d.Own()); want[k] != nil {
			byKey[k] = append(byKey[k], d)
		}
	}
	mine := strconv.FormatUint(uint64(s.Num), 10)
	others := otherTestGoroutines(s)
	var found []*goroutines.Trace
	var unknown []Goroutine
	for _, k := range keys {
		w, candidates := want[k], byKey[k]
		n := w.labelled + w.unlabelled
		switch {
		case labelled:
			for _, d := range candidates {
				if d.Label == mine || d.Label == "" && w.unlabelled > 0 {
					found = append(found, d)
				}
			}
			continue
		case n == w.shared && len(candidates) == n:
			found = append(found, candidates...)
			continue
		}
		var sure, undecided []*goroutines.Trace
		for _, d := range candidates {
			switch lineage(d, byID, s.Goroutine, others) {
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
func lineage(d *goroutines.Trace, byID map[int]*goroutines.Trace, goid int, others map[int]bool) whose {
	for id, hops := d.Creator, 0; id != 0 && hops <= len(byID); hops++ {
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
		id = p.Creator
	}
	return ofNoKnownTest
}

// otherTestGoroutines returns the goroutine ids of the running checked
// tests other than s's.
func otherTestGoroutines(s *scope) map[int]bool {
	out := map[int]bool{}
	for _, o := range owners.WithFunctions() {
		if o != &s.Owner && o.Goroutine != 0 && o.Goroutine != s.Goroutine {
			out[o.Goroutine] = true
		}
	}
	return out
}

// groupGoroutines makes one entry of the goroutines that share frames
// (functions and lines), a creation site and a state, listing the ids of
// the first maxShown.
func groupGoroutines(ds []*goroutines.Trace, maxShown int) []Goroutine {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b *goroutines.Trace) int { return cmp.Compare(a.ID, b.ID) })
	index := map[uint64][]int{} // entries by groupHash
	seed := maphash.MakeSeed()
	parents := map[int]bool{} // entries whose goroutines have different creators
	var out []Goroutine
	for _, d := range ds {
		h := groupHash(d, seed)
		j := slices.IndexFunc(index[h], func(i int) bool { return sameGroup(&out[i], d) })
		var i int
		if j >= 0 {
			i = index[h][j]
		} else {
			i = len(out)
			index[h] = append(index[h], i)
			out = append(out, Goroutine{
				ID: d.ID, State: d.State, Stack: goroutines.ShortTrace(d.Text),
				Frames: framesOf(d.Frames), CreatedBy: frameOf(d.CreatedBy), CreatedIn: d.Creator,
			})
		}
		g := &out[i]
		g.Count++
		if len(g.IDs) < maxShown {
			g.IDs = append(g.IDs, d.ID)
		} else {
			g.More++
		}
		g.WaitMinutes = max(g.WaitMinutes, d.Wait)
		if g.CreatedIn != d.Creator && !parents[i] {
			parents[i] = true
			g.CreatedIn = 0
		}
	}
	return out
}

// groupHash hashes what the goroutines of one entry share: frames,
// creation site and state (sameGroup compares them).
func groupHash(d *goroutines.Trace, seed maphash.Seed) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, f := range d.Frames {
		h.WriteString(f.Function)
		h.WriteString(f.File)
		maphash.WriteComparable(&h, f.Line)
	}
	if by := d.CreatedBy; by != nil {
		maphash.WriteComparable(&h, *by)
	}
	h.WriteString(d.State)
	return h.Sum64()
}

func sameGroup(g *Goroutine, d *goroutines.Trace) bool {
	return g.State == d.State &&
		slices.EqualFunc(g.Frames, d.Frames, func(a Frame, b stack.Frame) bool { return a == Frame(b) }) &&
		(g.CreatedBy == nil) == (d.CreatedBy == nil) && (g.CreatedBy == nil || *g.CreatedBy == Frame(*d.CreatedBy))
}

// unknownGoroutines is the entry of n goroutines of the test that cannot
// be told apart from other tests' goroutines with the same functions: it
// says what the candidates share (frames, state, creation site), or the
// frames of the goroutine profile.
func unknownGoroutines(n int, frames []stack.Frame, candidates []*goroutines.Trace) Goroutine {
	g := Goroutine{Count: n, More: n, Unknown: n}
	if len(candidates) > 0 {
		first := candidates[0]
		sameFrames, sameState, sameCreator := true, true, true
		for _, d := range candidates {
			sameFrames = sameFrames && slices.Equal(d.Frames, first.Frames)
			sameState = sameState && d.State == first.State
			sameCreator = sameCreator && d.CreatedBy != nil && first.CreatedBy != nil && *d.CreatedBy == *first.CreatedBy
			g.WaitMinutes = max(g.WaitMinutes, d.Wait)
		}
		if sameFrames {
			g.Frames = framesOf(first.Frames)
		}
		if sameState {
			g.State = first.State
		}
		if sameCreator {
			g.CreatedBy = frameOf(first.CreatedBy)
		}
	}
	if g.Frames == nil {
		g.Frames = framesOf(frames)
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
	found := goroutines.Parse(err.Error())
	if len(found) == 0 { // a wording this version cannot read: keep it whole
		return []Goroutine{{State: "unknown", Stack: err.Error(), Count: 1}}
	}
	ds := make([]*goroutines.Trace, 0, len(found))
	for i := range found {
		if !goroutines.OfFramework(found[i].Functions) {
			ds = append(ds, &found[i])
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return sortGoroutines(groupGoroutines(ds, maxShown))
}
