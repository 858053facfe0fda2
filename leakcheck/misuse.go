package leakcheck

import (
	"runtime"
	"strings"
)

// Misuse that would make a verdict judge nothing, told at run time: Check
// deferred (the habit of goleak's defer goleak.VerifyNone(t)), and Check
// called on a goroutine other than the test's. Each fails the test with
// what to write instead.

// callPath returns the call path of the caller's caller (skip more frames
// up), innermost first: Check's caller and the frames above it, which
// misuse and calledByTestify read.
func callPath(skip int) []uintptr {
	pcs := make([]uintptr, 128)
	return pcs[:runtime.Callers(skip+3, pcs)]
}

// misuse returns what is wrong with the call of Check whose call path
// (from Check's caller up) is pcs, or "".
func misuse(pcs []uintptr) string {
	if len(pcs) == 0 {
		return ""
	}
	if !onTestGoroutine(pcs) {
		return "Check was called on a goroutine other than the test's, which the test may not wait for: call leakcheck.Check(t) first in the test function itself; the goroutines that the test starts are judged with it"
	}
	if deferredCall(pcs[0]) {
		return "Check was deferred (defer leakcheck.Check(t)), so it runs when the test returns and judges nothing that the test did: call leakcheck.Check(t) first in the test, without defer; it registers its own verdict with t.Cleanup"
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
