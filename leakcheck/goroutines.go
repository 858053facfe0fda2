package leakcheck

import (
	"bytes"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/goleak"
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
	frames []Frame // innermost first; the runtime's own frames left out
	label  string  // the value of the ancestry label, "" for none
	shared int     // goroutines of the profile with these functions, whatever their labels
}

func (g group) functions() []string {
	out := make([]string, len(g.frames))
	for i, f := range g.frames {
		out[i] = f.Function
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
	if s.fn == "" {
		return out
	}
	// Goroutines without a checked test's label (see fallback.go): the
	// test's if its goroutine started them, or if its function is on
	// their stack.
	var started [][]string // read once, and only if needed
	for _, g := range byLabel[""] {
		if ignoredByDefault(g.functions()) {
			continue
		}
		if byFunctions(g.functions()) == s {
			out = append(out, g)
			continue
		}
		if started == nil && s.goid != 0 {
			started = [][]string{}
			for _, d := range allGoroutines() {
				if d.creator == s.goid {
					started = append(started, d.own())
				}
			}
		}
		if slices.ContainsFunc(started, func(f []string) bool { return slices.Equal(f, g.functions()) }) {
			out = append(out, g)
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

// ignoredByDefault reports whether a goroutine with these functions is
// never a test's leak: the loop of os/signal and the runtime's signal
// goroutine (started by the first signal.Notify, on the caller's
// goroutine, so carrying its labels; goleak's defaults ignore both too),
// the execution tracer's reader, the goroutine profile's writer, and
// goroutines that run a test (testing.tRunner anywhere on the stack,
// where goleak's defaults look only at the top frame, for the runners of
// package testing). Unlike goleak's defaults, it does not ignore
// goroutines in a system call (goleak's rule for cgo's background
// goroutines): those that a test started are judged.
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

// frameworkGoroutine reports whether a goroutine with these functions is
// a test framework's own, which it starts for its run and leaves running
// when the run returns: Ginkgo's interrupt handler (RunSpecs starts its
// signal watcher, and under ginkgo -p its poller, and never stops them).
// What the run's tests started is judged; these are not theirs.
func frameworkGoroutine(functions []string) bool {
	for _, f := range functions {
		if strings.HasPrefix(f, "github.com/onsi/ginkgo/v2/internal/interrupt_handler.") {
			return true
		}
	}
	return false
}

// goroutineMaxPause is the longest pause of the back-off (see pause).
const goroutineMaxPause = 100 * time.Millisecond

// waitForGoroutines waits until scope s has no goroutine left running, or
// until its grace is spent, and returns the goroutines left. User
// options (GoroutineOptions) are applied to those.
func waitForGoroutines(s *scope) []group {
	if goroutinesCreated() == s.goroutinesBefore {
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
