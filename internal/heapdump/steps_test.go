package heapdump

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseExprSplitsEveryKindOfStep(t *testing.T) {
	for expr, want := range map[string][]ExprStep{
		"":                                    nil,
		".conns":                              {{Kind: "field", Name: "conns"}},
		`.conns["10.0.0.1:5432"].c`:           {{Kind: "field", Name: "conns"}, {Kind: "index", Key: `"10.0.0.1:5432"`}, {Kind: "field", Name: "c"}},
		`["a]\"b"][3]`:                        {{Kind: "index", Key: `"a]\"b"`}, {Kind: "index", Key: "3"}},
		".items[0].(holders.session).conn":    {{Kind: "field", Name: "items"}, {Kind: "index", Key: "0"}, {Kind: "assert", Type: "holders.session"}, {Kind: "field", Name: "conn"}},
		".(*holders.Box[*holders.Conn]).item": {{Kind: "assert", Type: "*holders.Box[*holders.Conn]"}, {Kind: "field", Name: "item"}},
		`.Load("cache")`:                      {{Kind: "load", Key: `"cache"`}},
		".Load()":                             {{Kind: "load"}},
		".idle[:2][1]":                        {{Kind: "field", Name: "idle"}, {Kind: "slice", Key: ":2"}, {Kind: "index", Key: "1"}},
		"[*db.Conn serial 3].c":               {{Kind: "index", Key: "*db.Conn serial 3"}, {Kind: "field", Name: "c"}},
		"[int8(9)]":                           {{Kind: "index", Key: "int8(9)"}},
		" (as a key)":                         {{Kind: "key"}},
		" (in its buffer: 1st of 2 queued)":   {{Kind: "buffer", Key: "1st of 2 queued"}},
		" (in its buffer)":                    {{Kind: "buffer"}},
		".next ... 990 more steps ... .conn":  {{Kind: "field", Name: "next"}, {Kind: "more", Key: "990"}, {Kind: "field", Name: "conn"}},
		".a[unclosed":                         {{Kind: "field", Name: "a"}, {Kind: "text", Name: "[unclosed"}},
		" and something else":                 {{Kind: "text", Name: " and something else"}},
	} {
		assert.Equal(t, want, parseExpr(expr), "%q", expr)
	}
}

func TestExprStepsOfEachRoot(t *testing.T) {
	global := Path{Root: Root{Kind: RootGlobal, Global: &GlobalRoot{Name: "example.com/db.cache", Selector: ".conns", Typed: true}}, Expr: "[2]"}
	assert.Equal(t, []ExprStep{{Kind: "global", Name: "db.cache"}, {Kind: "field", Name: "conns"}, {Kind: "index", Key: "2"}}, global.ExprSteps())

	local := Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 7, Variable: "c", VarFunc: "example.com/db.serve", VarFile: "/src/db/serve.go", VarLine: 40, Selector: ".conn"}}}
	assert.Equal(t, []ExprStep{{Kind: "variable", Name: "c", Func: "db.serve", Position: "db/serve.go:40", Goroutine: 7}, {Kind: "field", Name: "conn"}}, local.ExprSteps())

	frame := Path{Root: Root{Kind: RootGoroutine, Goroutine: &GoroutineRoot{ID: 8, Top: "example.com/db.wait", TopFile: "/src/db/wait.go", TopLine: 3}}}
	assert.Equal(t, []ExprStep{{Kind: "goroutine", Func: "db.wait", Position: "db/wait.go:3", Goroutine: 8}}, frame.ExprSteps())

	timer := Path{Root: Root{Kind: RootTimer, Timer: &TimerRoot{Func: "context.WithDeadlineCause.func2", Variable: "c"}}, Expr: ".cancelCtx"}
	assert.Equal(t, []ExprStep{{Kind: "timer", Func: "context.WithDeadlineCause.func2"}, {Kind: "variable", Name: "c", Func: "context.WithDeadlineCause.func2"}, {Kind: "field", Name: "cancelCtx"}}, timer.ExprSteps())

	none := Path{}
	steps := none.ExprSteps()
	assert.Len(t, steps, 1)
	assert.Equal(t, "none", steps[0].Kind)
	assert.Contains(t, steps[0].Name, "no holder found")
}
