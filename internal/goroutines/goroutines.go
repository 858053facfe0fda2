// Package goroutines reads what the runtime and goleak print about
// goroutines, and says which goroutines are never a test's.
//
// Two texts of the runtime describe goroutines, and a verdict needs both:
// the goroutine profile (runtime/pprof, debug=1: [Profile]) groups
// goroutines by stack and keeps their pprof labels, which say whose
// they are, but has no ids; the traceback (runtime.Stack: [All],
// [Current]) has each goroutine's id, state and creator, but no labels
// (unless the program runs with GODEBUG=tracebacklabels=1). goleak's
// errors quote the traceback's frames under headers of their own, which
// [Parse] reads too. A verdict joins the two by the functions of the
// stack ([Key]).
package goroutines

import (
	"runtime/metrics"
	"strings"
	"sync/atomic"
)

// uncounted stands for the count of goroutines started on a runtime
// that does not count them (see Created).
var uncounted atomic.Uint64

// Created returns the number of goroutines started since the program
// began. A runtime that does not count them gets a number that changes at
// every call, so that no verdict skips its profile.
func Created() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return uncounted.Add(1)
	}
	return s[0].Value.Uint64()
}

// IgnoredByDefault reports whether a goroutine with these functions is
// never a test's leak: the loop of os/signal and the runtime's signal
// goroutine (started by the first signal.Notify, on the caller's
// goroutine, so carrying its labels; goleak's defaults ignore both too),
// the execution tracer's reader, the goroutine profile's writer, and
// goroutines that run a test (testing.tRunner anywhere on the stack,
// where goleak's defaults look only at the top frame, for the runners of
// package testing). Unlike goleak's defaults, it does not ignore
// goroutines in a system call (goleak's rule for cgo's background
// goroutines): those that a test started are judged.
func IgnoredByDefault(functions []string) bool {
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

// OfFramework reports whether a goroutine with these functions is
// a test framework's own, which it starts for its run and leaves running
// when the run returns: Ginkgo's interrupt handler (RunSpecs starts its
// signal watcher, and under ginkgo -p its poller, and never stops them).
// What the run's tests started is judged; these are not theirs.
func OfFramework(functions []string) bool {
	for _, f := range functions {
		if strings.HasPrefix(f, "github.com/onsi/ginkgo/v2/internal/interrupt_handler.") {
			return true
		}
	}
	return false
}
