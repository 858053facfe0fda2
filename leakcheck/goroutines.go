package leakcheck

import (
	"slices"
	"strconv"
	"time"

	"github.com/objtrack/objtrack/internal/goroutines"
	"go.uber.org/goleak"
)

// A checked test's goroutines are the goroutines that carry its pprof
// label: its own goroutine and every goroutine started by it or by one
// of their descendants, at any depth, before or after they ended (see
// internal/ancestry). pprof's goroutine profile lists them with their
// labels.

// goroutinesOf returns the goroutines of scope s: those labelled with
// its number, and those without a checked test's label whose stack names
// its test function (see internal/owner); but the test goroutines of package
// testing (the test itself, its subtests) and the runtime's own
// goroutines that goleak ignores too.
func goroutinesOf(s *scope) []goroutines.Group {
	byLabel := profiles.Do(goroutines.Profile)
	var out []goroutines.Group
	for _, g := range byLabel[strconv.FormatUint(uint64(s.Num), 10)] {
		if !goroutines.IgnoredByDefault(g.Functions()) {
			out = append(out, g)
		}
	}
	if s.Function == "" {
		return out
	}
	// Goroutines without a checked test's label (see internal/owner): the
	// test's if its goroutine started them, or if its function is on
	// their stack.
	var started [][]string // read once, and only if needed
	for _, g := range byLabel[""] {
		if goroutines.IgnoredByDefault(g.Functions()) {
			continue
		}
		if owners.ByFunctions(g.Functions()) == &s.Owner {
			out = append(out, g)
			continue
		}
		if started == nil && s.Goroutine != 0 {
			started = [][]string{}
			for _, d := range goroutines.All() {
				if d.Creator == s.Goroutine {
					started = append(started, d.Own())
				}
			}
		}
		if slices.ContainsFunc(started, func(f []string) bool { return slices.Equal(f, g.Functions()) }) {
			out = append(out, g)
		}
	}
	return out
}

// goroutineMaxPause is the longest pause of the back-off (see pause).
const goroutineMaxPause = 100 * time.Millisecond

// waitForGoroutines waits until scope s has no goroutine left running
// that the user's options (GoroutineOptions) do not ignore, or until its
// grace is spent, and returns the goroutines left.
func waitForGoroutines(s *scope) []goroutines.Group {
	if goroutines.Created() == s.goroutinesBefore {
		// No goroutine was started anywhere since Check: none can carry
		// the test's label. Sequential tests that start none skip the
		// profile.
		return nil
	}
	for {
		left := stillRunning(s)
		if len(left) == 0 {
			return nil
		}
		if !s.grace.pause(s.cfg.grace) {
			return left
		}
	}
}

// stillRunning returns the goroutines of scope s running now that the
// user's options (GoroutineOptions) do not ignore.
func stillRunning(s *scope) []goroutines.Group {
	left := goroutinesOf(s)
	if len(left) == 0 || len(s.cfg.goleakOptions) == 0 {
		return left
	}
	s.ignoredMu.Lock()
	defer s.ignoredMu.Unlock()
	var unknown []goroutines.Group
	for _, g := range left {
		if _, known := s.ignoredStacks[goroutines.Key(g.Functions())]; !known {
			unknown = append(unknown, g)
		}
	}
	if len(unknown) > 0 {
		if s.ignoredStacks == nil {
			s.ignoredStacks = map[string]bool{}
		}
		kept, retried := notIgnored(unknown, s.cfg.goleakOptions)
		if retried {
			// goleak looked again and again, with the back-off of a
			// grace, at goroutines that its options do not ignore: that
			// wait was the grace's.
			s.grace.slept += DefaultGrace
		}
		keep := map[string]bool{}
		for _, g := range kept {
			keep[goroutines.Key(g.Functions())] = true
		}
		running := map[string]bool{}
		for _, g := range goroutinesOf(s) {
			running[goroutines.Key(g.Functions())] = true
		}
		for _, g := range unknown {
			switch k := goroutines.Key(g.Functions()); {
			case keep[k]:
				s.ignoredStacks[k] = false
			case running[k]:
				s.ignoredStacks[k] = true // still running, and goleak passed over it
			}
			// Else it ended before goleak's last look: not judged.
		}
	}
	return slices.DeleteFunc(left, func(g goroutines.Group) bool { return s.ignoredStacks[goroutines.Key(g.Functions())] })
}

// notIgnored keeps the groups that goleak, given the user's options, does
// not ignore, and says whether goleak retried all it could (it found
// goroutines to report). goleak's options are opaque: the only way to
// apply them is to run goleak, whose error lists the goroutines it did
// not ignore, each with its stack as the runtime prints it. goleak.Find
// retries, with the back-off of DefaultGrace, while it finds any
// goroutine; so that it looks at the test's goroutines only, and returns
// at once when the options ignore them all, the goroutines of other
// stacks are ignored by their top function (but where the test's share
// it).
func notIgnored(groups []goroutines.Group, opts []goleak.Option) (kept []goroutines.Group, retried bool) {
	mine := map[string]bool{}
	for _, g := range groups {
		mine[goroutines.Key(g.Functions())] = true
	}
	all := goroutines.All()
	tops := map[string]bool{} // the top functions of the test's goroutines
	for _, d := range all {
		if mine[goroutines.Key(d.Own())] && len(d.Functions) > 0 {
			tops[d.Functions[0]] = true
		}
	}
	opts = slices.Clip(opts) // appended to: the scope's own stay as they are
	others := map[string]bool{}
	for _, d := range all {
		if len(d.Functions) > 0 && !tops[d.Functions[0]] && !others[d.Functions[0]] {
			others[d.Functions[0]] = true
			opts = append(opts, goleak.IgnoreTopFunction(d.Functions[0]))
		}
	}
	err := goleak.Find(opts...)
	if err == nil {
		return nil, false
	}
	found := goroutines.Parse(err.Error())
	if len(found) == 0 {
		return groups, true // cannot tell: keep them all, never hide a leak
	}
	return slices.DeleteFunc(slices.Clone(groups), func(g goroutines.Group) bool {
		return !slices.ContainsFunc(found, func(d goroutines.Trace) bool { return slices.Equal(d.Own(), g.Functions()) })
	}), true
}
