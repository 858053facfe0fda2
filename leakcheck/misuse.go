package leakcheck

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/goroutines"
)

// Misuse that would make a verdict judge nothing, told at run time: Check
// deferred (the habit of goleak's defer goleak.VerifyNone(t)), directly
// or by a deferred function; called in a t.Cleanup function; called on a
// goroutine other than the test's; given a test's t inside one of its
// subtests. Each fails the test with what to write instead.

// callPath returns the call path of the caller's caller (skip more frames
// up), innermost first: Check's caller and the frames above it, which
// misuse and calledByTestify read.
func callPath(skip int) []uintptr {
	pcs := make([]uintptr, 128)
	return pcs[:runtime.Callers(skip+3, pcs)]
}

// misuse returns what is wrong with the call of Check(t) whose call path
// (from Check's caller up) is pcs, or "".
func misuse(t TestingT, pcs []uintptr) string {
	if len(pcs) == 0 {
		return ""
	}
	if !onTestGoroutine(pcs) {
		return "Check was called on a goroutine other than the test's, which the test may not wait for: call leakcheck.Check(t) first in the test function itself; the goroutines that the test starts are judged with it"
	}
	frames := ownFrames(pcs)
	if slices.ContainsFunc(frames, func(f runtime.Frame) bool { return f.Function == "testing.(*common).runCleanup" }) {
		return "Check was called in a t.Cleanup function, which runs once the test has returned, so it judges nothing that the test did: call leakcheck.Check(t) first in the test, outside t.Cleanup; it registers its own verdict with t.Cleanup"
	}
	for _, pc := range pcs {
		if f := runtime.FuncForPC(pc - 1); f == nil || isTestingFrame(f.Name()) {
			break
		}
		if deferredCall(pc) {
			return "Check was deferred (defer leakcheck.Check(t), or called by a deferred function), so it runs when the test returns and judges nothing that the test did: call leakcheck.Check(t) first in the test, without defer; it registers its own verdict with t.Cleanup"
		}
	}
	if tt, ok := t.(*testing.T); ok && !strings.Contains(tt.Name(), "/") {
		if fn := runnerFunction(frames); fn != "" && !strings.HasSuffix(fn, "."+tt.Name()) && startedByRun() {
			return fmt.Sprintf("Check was given the t of %s, but runs in one of its subtests (t.Run), which that t does not judge: pass the subtest's own t, as in t.Run(name, func(t *testing.T) { leakcheck.Check(t); ... })", tt.Name())
		}
	}
	return ""
}

// startedByRun reports whether the calling goroutine is one that t.Run
// started: a test's or a subtest's, where a synctest bubble's goroutine,
// whose t has its test's name and runs a closure, is not.
func startedByRun() bool {
	by := goroutines.Current().CreatedBy
	return by != nil && by.Function == "testing.(*T).Run"
}

// ownFrames returns the frames of a call path that are not the runtime's.
func ownFrames(pcs []uintptr) []runtime.Frame {
	var out []runtime.Frame
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
			out = append(out, f)
		}
		if !more {
			return out
		}
	}
}

// isTestingFrame reports whether a function is package testing's, or
// reflect's, through which frameworks call a test's methods: the frames
// above the test's own code.
func isTestingFrame(fn string) bool {
	return strings.HasPrefix(fn, "testing.") || strings.HasPrefix(fn, "testing/") || strings.HasPrefix(fn, "reflect.")
}

// runnerFunction returns the function that testing.tRunner runs on this
// goroutine: a top-level test, or the closure of a subtest. It returns ""
// where tRunner runs a function of package testing's own (a fuzz input's,
// an example's), or is not on the stack (a benchmark).
func runnerFunction(frames []runtime.Frame) string {
	for i, f := range frames {
		if f.Function == "testing.tRunner" {
			if i == 0 || isTestingFrame(frames[i-1].Function) {
				return ""
			}
			return frames[i-1].Function
		}
	}
	return ""
}

// onTestGoroutine reports whether a call path runs on a goroutine of
// package testing's: a test's, a benchmark's, a fuzz input's, or a
// testing/synctest bubble's.
func onTestGoroutine(pcs []uintptr) bool {
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "testing.") || strings.HasPrefix(f.Function, "testing/synctest.") {
			return true
		}
		if !more {
			return false
		}
	}
}

// deferredCall reports whether the call that returns to pc is a deferred
// call run as its function returns. The compiler gives such a call the
// line of the function's closing brace, the last line of the function:
// no code of the function comes after it. A call on the last line of a
// function written on one line is not told apart, and is let be.
func deferredCall(pc uintptr) bool {
	f := runtime.FuncForPC(pc - 1)
	if f == nil {
		return false
	}
	_, line := f.FileLine(pc - 1)
	if _, first := f.FileLine(f.Entry()); line <= first {
		return false
	}
	// The code after the call, to the end of the function: a line after
	// the call's says it is not the closing brace. Deferred calls sit in
	// the function's epilogue, a few instructions from its end.
	for at := pc; ; at++ {
		if g := runtime.FuncForPC(at); g == nil || g.Entry() != f.Entry() {
			return true
		}
		if _, l := f.FileLine(at); l > line {
			return false
		}
	}
}

// panicking reports whether the calling goroutine is unwinding a panic:
// package testing runs a test's cleanups as the test panics (os.Exit(0)
// in a test panics too), and what the panicking frames held is no leak
// to report on top of the panic.
func panicking() bool {
	var pcs [128]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			return true
		}
		if !more {
			return false
		}
	}
}
