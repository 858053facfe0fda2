package leakcheck

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/internal/stack"
	"github.com/objtrack/objtrack/trackable"
)

// judge settles the garbage collector and reports the objects of scope s
// that survived. It does not check goroutines.
func judge(s *scope) (*Report, error) {
	cfg := s.cfg
	rep := &Report{Scope: s.name, GoroutineCheck: "off"}
	mine := func(en *entry) bool { return !en.reported && (s.all || en.born.has(s)) }
	// Settle until a round frees none of this scope's objects: objects
	// of other tests, freed meanwhile, cannot keep the verdict waiting.
	res := settle.Until(cfg.budget, s.removed)
	rep.Settled = Settling{Rounds: res.Rounds, Waited: res.Waited, CleanupsRun: res.Ran}
	if err := res.Err(); err != nil {
		return rep, fmt.Errorf("leakcheck: cannot judge %s: the garbage collector did not settle: %w", s.name, err)
	}
	rules, err := resolveRules(cfg)
	if err != nil {
		return rep, err
	}
	var judged, unattributed []live
	for _, o := range reg.collect(mine) {
		if s.main || s.all {
			judged = append(judged, o)
			continue
		}
		switch owner := attribute(o); {
		case owner == s:
			judged = append(judged, o)
		case owner == nil && lastToEnd(o, s):
			unattributed = append(unattributed, o)
		}
	}
	if s.main {
		rep.AlreadyReported = len(reg.collect(func(en *entry) bool { return en.reported && en.born.has(s) }))
	}

	byType := groupByType(judged)
	for _, typ := range sortedTypes(byType) {
		objs := byType[typ]
		name := trackable.FullTypeName(typ)
		if rules.ignored[typ] {
			rep.Ignored = append(rep.Ignored, IgnoredType{Type: name, Live: len(objs)})
			continue
		}
		if a, ok := rules.allowed[typ]; ok {
			rep.Allowed = append(rep.Allowed, AllowedType{Type: name, Live: len(objs), Max: a.max, Reason: a.reason})
			if len(objs) <= a.max {
				continue
			}
		}
		rep.Leaks = append(rep.Leaks, typeReport(typ, objs, cfg.maxShown))
		for _, o := range objs {
			rep.leaked = append(rep.leaked, o.serial)
		}
	}
	sortTypeReports(rep.Leaks)
	un := groupByType(unattributed)
	for _, typ := range sortedTypes(un) {
		rep.Unattributed = append(rep.Unattributed, typeReport(typ, un[typ], cfg.maxShown))
	}
	sortTypeReports(rep.Unattributed)
	return rep, nil
}

// attribute returns the test that made an object, or nil if that cannot
// be told. The rule, in order:
//
//  1. Among the tests that were running when the object was made, the one
//     whose function (or a closure inside it) is in the object's creation
//     stack; the most specific if several match (a subtest's closure over
//     its parent).
//  2. If several tests match equally (parallel subtests that share one
//     closure), their closest common parent that was running too.
//  3. If none matches (made on another goroutine), the only test that was
//     running, or the closest common parent of all that were.
//  4. Otherwise nobody: VerifyTestMain judges the object at the end.
func attribute(o live) *scope {
	var running []*scope
	for _, sc := range o.born.scopes {
		if !sc.main {
			running = append(running, sc)
		}
	}
	if len(running) == 0 {
		return nil
	}
	funcs := frameFunctions(reg.frames(o.site))
	best := -1
	var tied []*scope
	for _, sc := range running {
		if sc.fn == "" || !madeBy(funcs, sc.fn) {
			continue
		}
		switch l := len(sc.fn); {
		case l > best:
			best, tied = l, []*scope{sc}
		case l == best:
			tied = append(tied, sc)
		}
	}
	switch {
	case len(tied) == 1:
		return tied[0]
	case len(tied) == 0 && len(running) == 1:
		return running[0]
	case len(tied) == 0:
		tied = running
	}
	return commonParent(tied, running)
}

// madeBy reports whether fn, or a closure defined in it, is one of funcs.
func madeBy(funcs []string, fn string) bool {
	for _, f := range funcs {
		if f == fn || strings.HasPrefix(f, fn+".") {
			return true
		}
	}
	return false
}

func frameFunctions(frames []stack.Frame) []string {
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = f.Function
	}
	return out
}

// commonParent returns the deepest scope among candidates that is a parent
// of every scope in group, or nil.
func commonParent(group, candidates []*scope) *scope {
	var found *scope
	for _, c := range candidates {
		all := true
		for _, g := range group {
			if !c.isAncestorOf(g) {
				all = false
				break
			}
		}
		if all && (found == nil || len(c.name) > len(found.name)) {
			found = c
		}
	}
	return found
}

// lastToEnd reports whether s is the last of the tests running when o was
// made to reach its verdict: that one lists o as unattributed.
func lastToEnd(o live, s *scope) bool {
	for _, sc := range o.born.scopes {
		if sc != s && !sc.main && !sc.ended.Load() {
			return false
		}
	}
	return true
}

// rules are the IgnoreTypes and Allow options resolved to types.
type rules struct {
	ignored map[reflect.Type]bool
	allowed map[reflect.Type]allowance
}

func resolveRules(cfg *config) (rules, error) {
	r := rules{ignored: map[reflect.Type]bool{}, allowed: map[reflect.Type]allowance{}}
	for _, name := range cfg.ignore {
		t, err := resolveType("IgnoreTypes", name)
		if err != nil {
			return r, err
		}
		r.ignored[t] = true
	}
	for _, a := range cfg.allow {
		t, err := resolveType("Allow", a.name)
		if err != nil {
			return r, err
		}
		r.allowed[t] = a
	}
	return r, nil
}

// resolveType finds the one type that name names among the types ever
// tracked in a leakcheck scope.
func resolveType(option, name string) (reflect.Type, error) {
	all := reg.allTypes()
	var found []reflect.Type
	for _, t := range all {
		if trackable.MatchesTypeName(t, name) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("leakcheck: option %s(%q): no tracked type has that name; tracked types: %s", option, name, typeNames(all))
	default:
		return nil, fmt.Errorf("leakcheck: option %s(%q) is ambiguous: it names %s; use the full name", option, name, typeNames(found))
	}
}

func typeNames(types []reflect.Type) string {
	if len(types) == 0 {
		return "none yet"
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = trackable.FullTypeName(t)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func groupByType(objs []live) map[reflect.Type][]live {
	m := map[reflect.Type][]live{}
	for _, o := range objs {
		m[o.typ] = append(m[o.typ], o)
	}
	return m
}

func sortedTypes(m map[reflect.Type][]live) []reflect.Type {
	types := make([]reflect.Type, 0, len(m))
	for t := range m {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b reflect.Type) int {
		return strings.Compare(trackable.FullTypeName(a), trackable.FullTypeName(b))
	})
	return types
}

func sortTypeReports(ts []TypeReport) {
	slices.SortStableFunc(ts, func(a, b TypeReport) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Type, b.Type)
	})
}

// typeReport groups the survivors of one type by creation site.
func typeReport(typ reflect.Type, objs []live, maxShown int) TypeReport {
	tr := TypeReport{Type: trackable.FullTypeName(typ), Count: len(objs)}
	bySite := map[stack.ID]*Site{}
	var order []stack.ID
	for _, o := range objs { // sorted by serial
		s := bySite[o.site]
		if s == nil {
			s = &Site{Frames: reg.frames(o.site)}
			bySite[o.site] = s
			order = append(order, o.site)
		}
		s.Count++
		if len(s.Serials) < maxShown {
			s.Serials = append(s.Serials, o.serial)
			if o.bundle != nil {
				s.Bundles = append(s.Bundles, trackable.FormatBundle(o.bundle))
			}
		} else {
			s.More++
		}
	}
	for _, id := range order {
		tr.Sites = append(tr.Sites, *bySite[id])
	}
	slices.SortStableFunc(tr.Sites, func(a, b Site) int { return cmp.Compare(b.Count, a.Count) })
	return tr
}
