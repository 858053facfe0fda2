package heapdump

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsFuncLiteral(t *testing.T) {
	for name, want := range map[string]bool{
		"db.Open.func1":                      true,
		"gk.init.func2.2":                    true,
		"github.com/a/b.(*T).M.func3.1":      true,
		"db.Open":                            false,
		"db.(*Conn).Close-fm":                false,
		"db.func1x":                          false,
		"db.Open.func":                       false,
		"internal.extractBodyFunction":       false,
		"internal.extractBodyFunction.func3": true,
	} {
		assert.Equal(t, want, isFuncLiteral(name), name)
	}
}

func TestMethodValueClosure(t *testing.T) {
	c := Closure{Func: "github.com/a/db.(*Conn).Close-fm", Method: true, Offset: 8}
	assert.Equal(t, "the method value db.(*Conn).Close, by its receiver", c.Text())
	assert.Equal(t, []ExprStep{{Kind: "method", Func: "db.(*Conn).Close"}}, c.ExprSteps())
	u := Closure{Func: "github.com/a/db.Open.func1", File: "/src/db/db.go", Line: 7, Offset: 8}
	assert.Contains(t, u.Text(), "by the captured word at +8, which the DWARF does not name")
	assert.Equal(t, "closure", u.ExprSteps()[0].Kind)
	assert.Equal(t, "text", u.ExprSteps()[1].Kind)
}
