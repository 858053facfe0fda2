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
// its test function (see fallback.go); but the test goroutines of package
// testing (the test itself, its subtests) and the runtime's own
// goroutines that goleak ignores too.
func goroutinesOf(s *scope) []goroutines.Group {
	byLabel := profiles.Do(goroutines.Profile)
	var out []goroutines.Group
	for _, g := range byLabel[strconv.FormatUint(uint64(s.num), 10)] {
		if !goroutines.IgnoredByDefault(g.Functions()) {
			out = append(out, g)
		}
	}
	if s.fn == "" {
		return out
	}
	// Goroutines without a checked test's label (see fallback.go): the
	// test's if its goroutine started them, or if its function is on
	// their stack.
	var started [][]string // read once, and only if needed
	for _, g := range byLabel[""] {
		if goroutines.IgnoredByDefault(g.Functions()) {
			continue
		}
		if byFunctions(g.Functions()) == s {
			out = append(out, g)
			continue
		}
		if started == nil && s.goid != 0 {
			started = [][]string{}
			for _, d := range goroutines.All() {
				if d.Creator == s.goid {
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

// waitForGoroutines waits until scope s has no goroutine left running, or
// until its grace is spent, and returns the goroutines left. User
// options (GoroutineOptions) are applied to those.
func waitForGoroutines(s *scope) []goroutines.Group {
	if goroutines.Created() == s.goroutinesBefore {
		// No goroutine was started anywhere since Check: none can carry
		// the test's label. Sequential tests that start none skip the
		// profile.
		return nil
	}
	for {
		if len(goroutinesOf(s)) == 0 {
			return nil
		}
		if !s.grace.pause(s.cfg.grace) {
			return stillRunning(s)
		}
	}
}

// stillRunning returns the goroutines of scope s running now that the
// user's options (GoroutineOptions) do not ignore.
func stillRunning(s *scope) []goroutines.Group {
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
func notIgnored(groups []goroutines.Group, opts []goleak.Option) []goroutines.Group {
	err := goleak.Find(opts...)
	if err == nil {
		return nil
	}
	found := goroutines.Parse(err.Error())
	if len(found) == 0 {
		return groups // cannot tell: keep them all, never hide a leak
	}
	return slices.DeleteFunc(groups, func(g goroutines.Group) bool {
		return !slices.ContainsFunc(found, func(d goroutines.Trace) bool { return slices.Equal(d.Own(), g.Functions()) })
	})
}
