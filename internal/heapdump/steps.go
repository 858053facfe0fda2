package heapdump

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/objtrack/objtrack/internal/stack"
)

// ExprStep is one step of a path's expression as data, for reports that
// carry paths to programs (JSON): the root, then each field, index,
// assertion and load that the expression goes through.
type ExprStep struct {
	// Kind is what the step is. A root: "global" (Name is the variable),
	// "variable" (a goroutine's variable, or one that a timer's function
	// captured: Name, Func, Position), "goroutine" (a frame, a deferred
	// call or a panic of goroutine Goroutine that no variable names:
	// Func), "timer" and "finalizer" (Func), "runtime" or "none" (Name
	// says what). Then: "field" (Name), "index" (of a slice, an array or
	// a map: Key as Go writes it), "slice" (a re-slicing, s[:n], that
	// reaches beyond a slice's length: Key is ":n"), "assert" (an interface's dynamic
	// type: Type), "load" (sync.Map's Load(Key), atomic's Load()), "key"
	// (the next object is a map's key, not a value), "buffer" (a
	// channel's buffer: Key says where in the queue), "more" (steps left
	// out: Key says how many), "text" (what the expression says that no
	// other kind is: Name).
	Kind      string `json:"kind"`
	Name      string `json:"name,omitempty"`
	Func      string `json:"func,omitempty"`
	Type      string `json:"type,omitempty"`
	Key       string `json:"key,omitempty"`
	Position  string `json:"position,omitempty"`
	Goroutine uint64 `json:"goroutine,omitempty"`
}

// ExprSteps returns the root of p and the steps of its expression, as
// RootText writes them.
func (p Path) ExprSteps() []ExprStep {
	r := p.Root
	switch {
	case r.Kind == RootGlobal && r.Global != nil && r.Global.Name != "":
		return append([]ExprStep{{Kind: "global", Name: shortName(r.Global.Name)}}, parseExpr(r.Global.Selector+p.Expr)...)
	case r.Kind == RootGoroutine && r.Goroutine != nil && r.Goroutine.Variable != "":
		g := r.Goroutine
		root := ExprStep{Kind: "variable", Name: g.Variable, Func: shortName(g.VarFunc), Position: shortPosition(g.VarFile, g.VarLine), Goroutine: g.ID}
		return append([]ExprStep{root}, parseExpr(g.Selector+p.Expr)...)
	case r.Kind == RootGoroutine && r.Goroutine != nil:
		g := r.Goroutine
		fn, file, line := g.Top, g.TopFile, g.TopLine
		if fn == "" {
			fn, file, line = g.Func, g.File, g.Line
		}
		return []ExprStep{{Kind: "goroutine", Func: shortName(fn), Position: shortPosition(file, line), Goroutine: g.ID}}
	case r.Kind == RootTimer && r.Timer != nil:
		t := r.Timer
		steps := []ExprStep{{Kind: "timer", Func: shortName(t.Func), Position: shortPosition(t.File, t.Line)}}
		if t.Variable != "" {
			steps = append(steps, ExprStep{Kind: "variable", Name: t.Variable, Func: shortName(t.Func)})
			steps = append(steps, parseExpr(t.Selector+p.Expr)...)
		}
		return steps
	case r.Kind == RootFinalizer && r.Finalizer != nil:
		return []ExprStep{{Kind: "finalizer", Func: shortName(r.Finalizer.Func)}}
	}
	return []ExprStep{{Kind: r.Kind.String(), Name: p.RootText()}}
}

// shortPosition writes a file and line as a report does,
// "dir/file.go:12"; "" for none.
func shortPosition(file string, line int) string {
	if file == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", stack.ShortFile(filepath.ToSlash(file)), line)
}

// parseExpr splits an expression that typed.go wrote into its steps.
func parseExpr(s string) []ExprStep {
	var steps []ExprStep
	for s != "" {
		var st ExprStep
		var n int
		switch {
		case strings.HasPrefix(s, ".("):
			inner, end := enclosed(s[1:], '(', ')')
			st, n = ExprStep{Kind: "assert", Type: inner}, 1+end
		case strings.HasPrefix(s, ".Load("):
			inner, end := enclosed(s[5:], '(', ')')
			st, n = ExprStep{Kind: "load", Key: inner}, 5+end
		case s[0] == '.':
			end := 1
			for end < len(s) && isIdent(s[end]) {
				end++
			}
			st, n = ExprStep{Kind: "field", Name: s[1:end]}, end
		case strings.HasPrefix(s, "[:"):
			inner, end := enclosed(s, '[', ']')
			st, n = ExprStep{Kind: "slice", Key: inner}, end
		case s[0] == '[':
			inner, end := enclosed(s, '[', ']')
			st, n = ExprStep{Kind: "index", Key: inner}, end
		case strings.HasPrefix(s, " (as a key)"):
			st, n = ExprStep{Kind: "key"}, len(" (as a key)")
		case strings.HasPrefix(s, " (in its buffer"):
			inner, end := enclosed(s[1:], '(', ')')
			st, n = ExprStep{Kind: "buffer", Key: strings.TrimPrefix(strings.TrimPrefix(inner, "in its buffer"), ": ")}, 1+end
		case strings.HasPrefix(s, " ... "):
			var more int
			fmt.Sscanf(s, " ... %d more steps ... ", &more)
			text := fmt.Sprintf(" ... %d more steps ... ", more)
			if !strings.HasPrefix(s, text) {
				return append(steps, ExprStep{Kind: "text", Name: s})
			}
			st, n = ExprStep{Kind: "more", Key: fmt.Sprint(more)}, len(text)
		default:
			return append(steps, ExprStep{Kind: "text", Name: s})
		}
		if n <= 0 || n > len(s) {
			return append(steps, ExprStep{Kind: "text", Name: s})
		}
		steps = append(steps, st)
		s = s[n:]
	}
	return steps
}

// enclosed returns what is inside the brackets that s starts with, open
// and close nesting (and Go string literals, whose brackets do not
// count), and the length of s up to the closing one, included; the
// length is 0 where it does not close.
func enclosed(s string, open, close byte) (string, int) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '`':
			j := i + 1
			for j < len(s) && s[j] != c {
				if c == '"' && s[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		case c == open || c == '[' || c == '(':
			depth++
		case c == close || c == ']' || c == ')':
			depth--
			if depth == 0 {
				return s[1:i], i + 1
			}
		}
	}
	return "", 0
}

func isIdent(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
