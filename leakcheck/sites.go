package leakcheck

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/stack"
)

// Creation sites: each object's call path is recorded as a stack.ID when
// it is tracked (cheap), kept in its registry slot, and resolved to
// frames only when a report needs them.

// siteTable holds the call paths recorded, and those resolved.
type siteTable struct {
	stacks   stack.Table
	stacked  atomic.Int32 // active scopes that want creation sites
	resolved sync.Map     // stack.ID -> []Frame, resolved once
}

// frames resolves a creation site once and remembers it.
func (r *siteTable) frames(id stack.ID) []Frame {
	if id == 0 {
		return nil
	}
	if f, ok := r.resolved.Load(id); ok {
		return f.([]Frame)
	}
	v, _ := r.resolved.LoadOrStore(id, framesOf(r.stacks.Frames(id, hiddenFrames...)))
	return v.([]Frame)
}

// functions returns the functions of a creation site.
func (r *siteTable) functions(id stack.ID) []string {
	frames := r.frames(id)
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = f.Function
	}
	return out
}

// inTestedPackage reports whether function fn is in the package whose
// tests run (see testedPrefixes).
func inTestedPackage(fn string) bool {
	for _, p := range testedPrefixes() {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// symbolPrefix escapes an import path as the compiler does in function
// names: a dot in the last element, and a few bytes anywhere, become %xx
// ("gopkg.in/yaml.v3" is "gopkg.in/yaml%2ev3").
func symbolPrefix(path string) string {
	last := strings.LastIndexByte(path, '/')
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c <= ' ' || c == '%' || c == '"' || c >= 0x7f || (c == '.' && i > last) {
			fmt.Fprintf(&b, "%%%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// hiddenFrames are left out of creation sites: they are the same for
// every object.
var hiddenFrames = []string{
	"github.com/objtrack/objtrack/trackable.",
	"github.com/objtrack/objtrack/leakcheck.",
	"github.com/onsi/ginkgo/v2/", // the frames that run a spec
}

// testedPrefixes are the prefixes of the function names of the package
// whose tests run: its own ("example.com/db."), its external tests'
// ("example.com/db_test.") and, for the tests of a command, "main.", the
// name the compiler gives a main package's functions. A text report never
// hides the first frame of these in a long creation site: it is the line
// of the test, or of the code under test, that led into the library that
// made the object.
var testedPrefixes = sync.OnceValue(func() []string {
	out := []string{"main."}
	if p := testedPackage(); p != "" && p != "main" {
		p = symbolPrefix(p)
		out = append(out, p+".", p+"_test.")
	}
	return out
})

// testedPackage returns the import path of the package whose tests run
// ("example.com/db"), read from the test binary's build information.
func testedPackage() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return strings.TrimSuffix(bi.Path, ".test")
}

// framesOf returns resolved frames as a report's.
func framesOf(fs []stack.Frame) []Frame {
	if fs == nil {
		return nil
	}
	out := make([]Frame, len(fs))
	for i, f := range fs {
		out[i] = Frame(f)
	}
	return out
}

// frameOf returns a resolved frame as a report's; nil for nil.
func frameOf(f *stack.Frame) *Frame {
	if f == nil {
		return nil
	}
	r := Frame(*f)
	return &r
}
