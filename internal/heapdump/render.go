package heapdump

import (
	"fmt"
	"strings"
)

// RootText says, for a person, what holds the path: "global
// db.registry", "goroutine 17 [chan receive] db.(*Pool).serve
// (db/pool.go:88)", a timer, a finalizer, or why no root was found. The
// text holds no address (a global without a name is given by its offset
// in its segment), so that it is the same from run to run of the same
// build, goroutine ids aside. The steps after the root, but for the
// Typed ones that its expression goes through, are the caller's to lay
// out, as leakcheck's report does.
func (p Path) RootText() string {
	var text string
	if g := p.Root.Goroutine; g != nil && g.Variable != "" && !(g.WroteDump && ownFrame(g.Func)) {
		text = g.variableText(p.Expr)
	} else if tr := p.Root.Timer; tr != nil && tr.Variable != "" {
		text = tr.variableText(p.Expr)
	} else {
		text = p.Root.text(len(p.Steps) > 0) + p.Expr
	}
	if p.Root.Kind == RootGlobal && p.Root.Global.Name == cgoHandles {
		// The variable is runtime/cgo's, not the program's: what holds
		// the object is a handle that no one deleted.
		text = "a cgo.Handle that was never deleted (cgo.NewHandle keeps its value until Handle.Delete): " + text
	}
	return text
}

// cgoHandles is the variable in which runtime/cgo keeps the value of
// every cgo.Handle, by handle.
const cgoHandles = "runtime/cgo.handles"

// text is the root's line; inHeap says whether the target is a heap
// object of the dump.
func (r Root) text(inHeap bool) string {
	switch r.Kind {
	case RootGlobal:
		return r.Global.text()
	case RootGoroutine:
		return r.Goroutine.text()
	case RootFinalizer:
		return r.Finalizer.text()
	case RootOther:
		return "runtime root  " + r.Other
	case RootTimer:
		return r.Timer.text()
	}
	if !inHeap {
		return "no holder found: the object is in no heap object of the dump, so it was freed after the verdict counted it and before the dump was written"
	}
	return "no holder found: no root in the dump reaches it (a cleanup's argument, or a plugin's variable, may hold it; the runtime dumps neither)"
}

func (g *GlobalRoot) text() string {
	switch {
	case g.Name == "":
		return fmt.Sprintf("global at %s+%#x (%s)", g.Segment, g.Offset, g.Unnamed)
	case g.Name == "runtime.allp":
		// The processors' timer heaps: a timer that is still pending
		// holds what its function (or its channel) refers to.
		return "a pending timer (time.AfterFunc, time.NewTimer, or a context's deadline or timeout): its function holds it, from the runtime's timer heap (runtime.allp)"
	case g.Typed:
		return "global  " + shortName(g.Name) + g.Selector
	case g.Static:
		return fmt.Sprintf("global  %s (its static value, +%d)", shortName(g.Name), g.NameOffset)
	case g.NameOffset != 0:
		return fmt.Sprintf("global  %s +%d", shortName(g.Name), g.NameOffset)
	}
	return "global  " + shortName(g.Name)
}

func (g *GoroutineRoot) text() string {
	// The goroutine is shown where it is blocked, in its innermost frame
	// outside the runtime; then, if another frame holds the pointer, that
	// frame.
	if g.WroteDump && g.Holder == "stack frame" && g.Func != "" {
		// The writer is blocked in the dump's writing, which says
		// nothing: the frame that holds the pointer does, unless it is
		// objtrack's own, which asked for the dump and refers to what it
		// asked about. Then no other root reaches the object.
		if ownFrame(g.Func) {
			return fmt.Sprintf("no holder found: no root in the dump reaches it but the frame of %s, which asked for the dump (a cleanup's argument, which the runtime does not dump, may hold it)", frameText(g.Func, g.File, g.Line))
		}
		return fmt.Sprintf("goroutine %d, the goroutine that wrote the dump, in the frame of %s", g.ID, frameText(g.Func, g.File, g.Line))
	}
	s := fmt.Sprintf("goroutine %d [%s]", g.ID, g.Status)
	top := g.Top != ""
	if top {
		s += " " + frameText(g.Top, g.TopFile, g.TopLine)
	}
	if g.Sending {
		// The runtime's own record says what the word is.
		return "the value that " + s + " is blocked sending on a channel" + (&GoroutineRoot{System: g.System}).flags()
	}
	switch {
	case g.Holder != "stack frame":
		s += ", its " + g.Holder
	case !top:
		s += " " + frameText(g.Func, g.File, g.Line)
	case g.Depth != g.TopDepth:
		s += ", in the frame of " + frameText(g.Func, g.File, g.Line)
	}
	return s + g.flags()
}

// flags says what is out of the ordinary in how the goroutine holds the
// pointer.
func (g *GoroutineRoot) flags() string {
	s := ""
	if g.Scanned {
		s += ", found by scanning its stack"
	}
	if g.System {
		s += ", a goroutine of the runtime"
	}
	if g.WroteDump {
		s += ", the goroutine that wrote the dump"
	}
	return s
}

// frameText is a function and its position, when known.
func frameText(fn, file string, line int) string {
	if file == "" {
		return shortName(fn)
	}
	return fmt.Sprintf("%s (%s)", shortName(fn), shortPosition(file, line))
}

func (f *FinalizerRoot) text() string {
	s := "finalizer"
	if f.Queued {
		s = "queued finalizer"
	}
	if f.Func != "" {
		s += " " + shortName(f.Func)
	}
	on := "an object"
	if f.ObjectSize != 0 {
		on = fmt.Sprintf("a %d B object", f.ObjectSize)
	}
	switch f.Holder {
	case "function":
		return s + " of " + on + ", by its function"
	case "field":
		return fmt.Sprintf("%s of %s, by the object's field +%d", s, on, f.Field)
	}
	return s + " of " + on + ", by the object it will receive"
}

// ownFrame reports whether fn is a function of objtrack's verdicts,
// whose frames refer to the objects they judge.
func ownFrame(fn string) bool {
	for _, pkg := range []string{"leakcheck", "ginkgoext", "internal/"} {
		rest, ok := strings.CutPrefix(fn, "github.com/objtrack/objtrack/"+pkg)
		if ok && (strings.HasSuffix(pkg, "/") || strings.HasPrefix(rest, ".")) {
			return true
		}
	}
	return false
}
