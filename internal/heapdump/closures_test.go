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
