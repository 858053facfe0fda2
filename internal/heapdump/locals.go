package heapdump

import (
	"fmt"
	"runtime"

	"github.com/objtrack/objtrack/internal/heapdump/gotypes"
)

// A pointer in a goroutine's stack frame is named by the variable that
// holds it, as the executable's DWARF places the function's variables at
// the frame's pc (gotypes.StackLocal): "variable c of db.serve
// (db/serve.go:40)". The frame's function may not be the variable's: a
// call inlined into it has its own (named as the inlined function's),
// and a frame holds the arguments of the call it is making, in the room
// it keeps for them above the callee's frame address (the callee's).

// typeLocal names the variable that holds the first pointer of p, held
// by a goroutine's stack frame, and types the path's steps from it.
func (t *typer) typeLocal(p *Path) {
	gr := p.Root.Goroutine
	g := &t.g.roots.Goroutines[gr.goroutine]
	l, f, ok := t.frameLocal(g, gr.frame, p.Root.Slot)
	switch {
	case ok:
		gr.VarFile, gr.VarLine = positionOf(f, l.Func)
	case gr.frame >= 0 && gr.frame < len(g.Frames) && len(p.Steps) > 0:
		f = &g.Frames[gr.frame]
		var fn *runtime.Func
		if l, fn, ok = t.stackClosureLocal(f, p.Root.Slot, p.Steps[0].Pointer); !ok {
			gr.Sending = t.sendingValue(g, p.Steps[0].Pointer)
			return
		}
		l.Func, gr.Captured = fn.Name(), true
		gr.VarFile, gr.VarLine = fn.FileLine(fn.Entry())
	default:
		return
	}
	gr.Variable, gr.VarFunc, gr.VarDepth = l.Name, l.Func, int(f.Depth)
	gr.Selector, _ = p.typeVariable(t, l, p.Root.Slot)
}

// typeVariable types the steps of p from variable l, whose word at
// address at points to the first step. It returns the selector of that
// word in the variable (".conns", "" for the variable itself), and false
// where the variable's type does not place a word there.
func (p *Path) typeVariable(t *typer, l gotypes.Local, at uint64) (string, bool) {
	if l.Offset < 0 {
		return "", false // somewhere in the variable
	}
	sel, w, ok := gotypes.Selector(l.Type, l.Offset)
	if !ok {
		return "", false
	}
	if !l.ByReference {
		p.typeFrom(t, w, at, 0)
		return sel, true
	}
	// The word points to the variable, which lives on the heap: the
	// first step is the variable's own memory, and the word in it that
	// leads on is named in the variable.
	elem := gotypes.Pointee(l.Type)
	if elem == nil || len(p.Steps) < 2 {
		return "", false
	}
	st, next := p.Steps[0], p.Steps[1]
	off := offsetIn(st, next)
	if st.Pointer != st.Addr || off < 0 {
		return "", false
	}
	if sel, w, ok = gotypes.Selector(elem, off); !ok {
		return "", false
	}
	p.typeFrom(t, w, st.Addr+next.Field, 1)
	return sel, true
}

// typeFrom types the steps of p after the first skip, from w, the word
// at address at that points to the step after them.
func (p *Path) typeFrom(t *typer, w gotypes.Word, at uint64, skip int) {
	expr, covered, last, stop := t.typeSteps(w, at, p.Steps[skip:])
	p.Expr, p.Typed, p.TypeStop = expr, skip+covered, stop
	switch {
	case covered > 0:
		p.TypedAs = gotypes.Name(last)
	case skip > 0 && w.Kind == gotypes.Plain:
		p.TypedAs = gotypes.Name(w.Type)
	}
}

// frameLocal returns the variable that holds the word at slot of frame
// fi of goroutine g, and the frame whose function it belongs to.
func (t *typer) frameLocal(g *Goroutine, fi int, slot uint64) (gotypes.Local, *Frame, bool) {
	if fi < 0 || fi >= len(g.Frames) {
		return gotypes.Local{}, nil, false
	}
	// Above the callee's frame address are its arguments, when its
	// parameters are there; below, the frame's own variables.
	frames := []*Frame{&g.Frames[fi]}
	if fi > 0 && slot >= frameAddress(&g.Frames[fi-1]) {
		frames = []*Frame{&g.Frames[fi-1], &g.Frames[fi]}
	}
	for _, f := range frames {
		if l, ok := t.types.StackLocal(f.Entry, f.PC, f.Depth > 0, int64(slot-frameAddress(f)), f.Func); ok {
			return l, f, true
		}
	}
	return gotypes.Local{}, nil, false
}

// frameAddress is a frame's canonical frame address, from which DWARF
// places its variables: its caller's stack pointer, where the dump's
// copy of the frame ends.
func frameAddress(f *Frame) uint64 { return f.SP + uint64(len(f.Contents)) }

// variableText is the root's line for a goroutine whose frame's variable
// holds the pointer, the expression expr going on from it.
func (g *GoroutineRoot) variableText(expr string) string {
	s := fmt.Sprintf("variable %s%s%s of %s", g.Variable, g.Selector, expr, frameText(g.VarFunc, g.VarFile, g.VarLine))
	top := g.Top != "" && !g.WroteDump
	if g.Captured {
		s = fmt.Sprintf("variable %s%s%s, captured by the closure %s, in the frame of %s", g.Variable, g.Selector, expr, frameText(g.VarFunc, g.VarFile, g.VarLine), frameText(g.Func, g.File, g.Line))
		top = top && g.TopDepth != g.Depth
	} else {
		top = top && g.TopDepth != g.VarDepth
	}
	s += fmt.Sprintf(", goroutine %d", g.ID)
	if !g.WroteDump {
		s += " [" + g.Status + "]"
	}
	if top {
		s += " in " + frameText(g.Top, g.TopFile, g.TopLine)
	}
	return s + g.flags()
}
