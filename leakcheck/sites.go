package leakcheck

import "github.com/objtrack/objtrack/internal/stack"

// Creation sites: the registry records each object's call path as a
// stack.ID when it is tracked (cheap), and resolves it to frames only
// when a report needs them.

// frames resolves a creation site once and remembers it.
func (r *registry) frames(id stack.ID) []Frame {
	if id == 0 {
		return nil
	}
	if f, ok := r.resolved.Load(id); ok {
		return f.([]Frame)
	}
	var f []Frame
	for _, sf := range r.stacks.Frames(id, hiddenFrames...) {
		f = append(f, Frame{Function: sf.Function, File: sf.File, Line: sf.Line})
	}
	v, _ := r.resolved.LoadOrStore(id, f)
	return v.([]Frame)
}

// functions returns the functions of a creation site.
func (r *registry) functions(id stack.ID) []string {
	frames := r.frames(id)
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = f.Function
	}
	return out
}

// hiddenFrames are left out of creation sites: they are the same for
// every object.
var hiddenFrames = []string{
	"github.com/objtrack/objtrack/trackable.",
	"github.com/objtrack/objtrack/leakcheck.",
	"github.com/onsi/ginkgo/v2/", // the frames that run a spec
}
