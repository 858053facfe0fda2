package leakcheck

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/objtrack/objtrack/internal/display"
	"github.com/objtrack/objtrack/internal/registry"
	"github.com/objtrack/objtrack/internal/typename"

	"github.com/objtrack/objtrack/internal/settle"
)

// judge brings the garbage collector to a fixed point for the objects of
// scope s and reports those that survived. It does not check goroutines.
func judge(s *scope) (*Report, error) {
	rep, held, err := judgeOnce(s, nil)
	if err == nil && held.freed {
		// A survivor is in no object of the heap dump: it was freed after
		// the count, its cleanup not run yet (a parallel verdict's
		// collection can free it just then). Judged again, once: what
		// is still counted then is reported.
		rep, held, err = judgeOnce(s, nil)
	}
	if err == nil && len(held.queued) > 0 && settle.FinalizersBlocked() {
		// A finalizer of an earlier test blocks the finalizer goroutine
		// (that verdict failed for it): what a finalizer queued behind it
		// holds is never freed, which is the runtime's doing, not this
		// test's. Judged again without those survivors.
		rep, held, err = judgeOnce(s, held.queued)
	}
	if err == nil && len(held.framework) > 0 {
		// The heap search found survivors that only the framework holds
		// now: what held them besides (a goroutine that drained them)
		// let go within the verdict. They are the framework's, as
		// Framework.Judge's own search would have found; judged again
		// without them.
		rep, _, err = judgeOnce(s, mergeSerials(held.framework, held.queued))
	}
	return rep, err
}

// judgeOnce is one verdict of judge, on the survivors that exclude does
// not name; it says what retention paths found that is not the test's
// doing.
func judgeOnce(s *scope, exclude map[uint64]bool) (rep *Report, held heldOnly, err error) {
	cfg := s.cfg
	rep = &Report{Scope: s.Name, GoroutineCheck: "off"}
	mine := s.owns
	if exclude != nil || s.exclude != nil {
		mine = func(serial uint64, w registry.Slot) bool {
			return !exclude[serial] && !s.exclude[serial] && s.owns(serial, w)
		}
	}
	count := s.Live
	if s.main || s.all || s.upTo != 0 || exclude != nil || s.exclude != nil {
		// VerifyTestMain, Find, the verdicts on fuzz inputs and those
		// that a framework finishes count by looking: they run once, or
		// seldom.
		count = func() int {
			return len(reg.Collect(func(serial uint64, w registry.Slot) bool { return !w.Reported() && mine(serial, w) }))
		}
	}
	res := settle.Until(cfg.budget, count)
	if res.Settled && count() > 0 {
		res = beyondCollections(s, res, count)
	}
	rep.Settled = Settling{Rounds: res.Rounds, Waited: res.Waited, CleanupsRun: res.Ran}
	if res.StillBlocked() {
		return nil, held, errNotJudged{fmt.Errorf("leakcheck: %s was not judged: %w; the verdict that found it failed", s.Name, res.Err())}
	}
	if err := res.Err(); err != nil {
		return rep, held, fmt.Errorf("leakcheck: cannot judge %s: the garbage collector did not settle: %w", s.Name, err)
	}
	var judged []registry.Object
	if res.Rounds > 0 { // with no collection, nothing was left to judge
		judged = reg.Collect(func(serial uint64, w registry.Slot) bool { return !w.Reported() && mine(serial, w) })
	}
	if s.main {
		rep.AlreadyReported = len(reg.Collect(func(serial uint64, w registry.Slot) bool { return w.Reported() && mine(serial, w) }))
	}
	byType := groupByType(judged)
	types := sortedTypes(byType)
	rules, err := resolveRules(cfg, types)
	if err != nil {
		return rep, held, err
	}
	for _, typ := range types {
		objs := byType[typ]
		name := typename.Full(typ)
		if rules.ignored[typ] {
			rep.Ignored = append(rep.Ignored, IgnoredType{Name: name, Live: len(objs)})
			continue
		}
		if a, ok := rules.allowed[typ]; ok {
			rep.Allowed = append(rep.Allowed, AllowedType{Name: name, Live: len(objs), Max: a.max, Reason: a.reason})
			if len(objs) <= a.max {
				continue
			}
		}
		rep.Leaks = append(rep.Leaks, typeReport(typ, objs, cfg.maxShown))
		for _, o := range objs {
			rep.leaked = append(rep.leaked, o.Serial)
		}
	}
	sortTypeReports(rep.Leaks)
	if len(rep.Leaks) > 0 {
		rep.Notes = optionNotes(cfg, types)
		held = findHolders(rep, s)
	}
	return rep, held, nil
}

// beyondCollections is what a verdict does for objects that survive a
// collection before it reports them: it makes the runtime drop the
// stopped timers it still keeps (a stopped timer's function holds what
// it refers to until then), and waits out what is left of the grace for
// timers that fire and goroutines that end shortly after the test.
func beyondCollections(s *scope, res settle.Result, count func() int) settle.Result {
	if settle.DropStoppedTimers() {
		res = addResults(res, settle.Until(s.cfg.budget, count))
		if !res.Settled || count() == 0 {
			return res
		}
	}
	if s.judged {
		res = waitOutGrace(s, res, count)
	}
	return res
}

// errNotJudged says why a verdict could not be reached for a reason that
// an earlier verdict reported already: the test is not failed for it
// again.
type errNotJudged struct{ error }

// owns reports whether the object of a serial and slot is s's to judge.
func (s *scope) owns(serial uint64, word registry.Slot) bool {
	switch {
	case s.all:
		return true
	case s.main:
		return serial >= s.since // made while VerifyTestMain ran
	case s.upTo != 0:
		return word.Scope() == s.Num && serial >= s.since && serial <= s.upTo
	default:
		return word.Scope() == s.Num
	}
}

func groupByType(objs []registry.Object) map[reflect.Type][]registry.Object {
	m := map[reflect.Type][]registry.Object{}
	for _, o := range objs {
		m[o.Type] = append(m[o.Type], o)
	}
	return m
}

func sortedTypes(m map[reflect.Type][]registry.Object) []reflect.Type {
	types := make([]reflect.Type, 0, len(m))
	for t := range m {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b reflect.Type) int {
		return strings.Compare(typename.Full(a), typename.Full(b))
	})
	return types
}

func sortTypeReports(ts []TypeReport) {
	slices.SortStableFunc(ts, func(a, b TypeReport) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// typeReport groups the survivors of one type by creation site: by the
// frames a person reads, so that two calls on one line (dial("a"),
// dial("b")), which return to different addresses, are one site.
func typeReport(typ reflect.Type, objs []registry.Object, maxShown int) TypeReport {
	tr := TypeReport{Name: typename.Full(typ), Count: len(objs)}
	bySite := map[string]*Site{}
	var order []string
	for _, o := range objs { // sorted by serial
		frames := sites.frames(o.Site)
		key := fmt.Sprint(frames)
		s := bySite[key]
		if s == nil {
			s = &Site{Frames: frames}
			bySite[key] = s
			order = append(order, key)
		}
		s.Count++
		if len(s.Serials) < maxShown {
			s.Serials = append(s.Serials, o.Serial)
			s.addrs = append(s.addrs, o.Addr)
			if o.Bundle != nil {
				s.Bundles = append(s.Bundles, display.BundleText(o.Bundle))
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

// mergeSerials adds the serials of b to a, which it returns.
func mergeSerials(a, b map[uint64]bool) map[uint64]bool {
	if a == nil {
		a = map[uint64]bool{}
	}
	for k := range b {
		a[k] = true
	}
	return a
}
