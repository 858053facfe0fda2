package stack

import (
	"runtime"
	"slices"
	"strings"
	"testing"
)

// bothWays captures the calling goroutine's call path with capture (a
// frame-pointer walk on amd64 and arm64) and with runtime.Callers, the
// plain way it replaces, both starting with bothWays' caller.
//
//go:noinline
func bothWays() (walked, callers []string) {
	var a, b [64]uintptr
	n := capture(a[:])                  // starts with the caller of capture: bothWays
	m := runtime.Callers(1, b[:])       // starts with bothWays too
	return names(a[1:n]), names(b[1:m]) // drop bothWays itself
}

func names(pcs []uintptr) []string {
	var out []string
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") && !isWrapper(f.Function) {
			out = append(out, f.Function)
		}
		if !more {
			return out
		}
	}
}

type receiver struct{ depth int }

//go:noinline
func (r receiver) method() ([]string, []string) { return recurse(r.depth) }

//go:noinline
func recurse(n int) ([]string, []string) {
	if n == 0 {
		return bothWays()
	}
	return recurse(n - 1)
}

func inlined() ([]string, []string) { return bothWays() } // small enough to inline

// The frame-pointer walk finds the same frames as runtime.Callers, but
// for frames that Frames leaves out (the runtime's, such as
// runtime.deferreturn when defers are not open-coded, and the wrappers
// of go statements and method values), inlined calls included, on every
// path that tracked objects are made on: plain calls, recursion, methods,
// closures, inlined functions, deferred calls, goroutines and calls after
// a recovered panic.
func TestCaptureAgreesWithRuntimeCallers(t *testing.T) {
	cases := map[string]func() ([]string, []string){
		"plain":     bothWays,
		"recursion": func() ([]string, []string) { return recurse(30) },
		"method":    receiver{depth: 3}.method,
		"closure": func() ([]string, []string) {
			f := func() ([]string, []string) { return bothWays() }
			return f()
		},
		"inlined": inlined,
		"deferred": func() (w, c []string) {
			defer func() { w, c = bothWays() }()
			return nil, nil
		},
		"goroutine": func() (w, c []string) {
			done := make(chan struct{})
			go func() { defer close(done); w, c = recurse(2) }()
			<-done
			return w, c
		},
		"after a recovered panic": func() (w, c []string) {
			func() {
				defer func() { _ = recover() }()
				panic("x")
			}()
			return bothWays()
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			walked, callers := f()
			if len(callers) == 0 {
				t.Fatal("runtime.Callers found nothing")
			}
			if !slices.Equal(walked, callers) {
				t.Errorf("the frame-pointer walk found\n%q\nruntime.Callers found\n%q", walked, callers)
			}
		})
	}
}
