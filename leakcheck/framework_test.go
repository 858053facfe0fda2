package leakcheck_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/leakcheck"
)

// frameworkHeld stands for a test framework's own variable, which keeps
// what its tests made after they end, as Ginkgo's spec tree keeps its
// container variables.
var frameworkHeld []*Conn

// A verdict Within a framework hands its survivors over; Judge lets go of
// what only the framework holds, and reports what anything else holds too,
// named by the test that made it, with that holder, once.
func TestFrameworkJudgesWhatItDoesNotHold(t *testing.T) {
	fw := leakcheck.NewFramework().KeepsIn(&frameworkHeld)
	t.Cleanup(func() { frameworkHeld = nil; dropCache() })

	clean := newFakeT("TestHeldByTheFramework")
	leakcheck.Check(clean, leakcheck.Within(fw))
	frameworkHeld = append(frameworkHeld, dial("held by the framework"))
	clean.finish()
	require.False(t, clean.Failed(), clean.errorText())

	leaky := newFakeT("TestKeptByTheProgram")
	leakcheck.Check(leaky, leakcheck.Within(fw))
	c := dial("kept by the program too")
	frameworkHeld = append(frameworkHeld, c)
	keep(c)
	leaky.finish()
	require.False(t, leaky.Failed(), "a verdict Within a framework waits for Judge: %s", leaky.errorText())

	end := newFakeT("the suite")
	fw.Judge(end)
	text := end.errorText()
	assert.Equal(t, 1, strings.Count(text, "outlived"), text)
	assert.Contains(t, text, "leakcheck: 1 tracked object outlived TestKeptByTheProgram (1 type)")
	assert.Contains(t, text, `"kept by the program too"`)
	assert.Regexp(t, `held by:\n\s+global  leakcheck_test\.cache`, text)
	assert.NotContains(t, text, "held by the framework")

	again := newFakeT("the suite, again")
	fw.Judge(again)
	assert.False(t, again.Failed(), "what Judge judged is not judged again: %s", again.errorText())
}

// panicText returns what f panics with, or "" if it returns.
func panicText(f func()) (text string) {
	defer func() {
		if r := recover(); r != nil {
			text = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestFrameworkRefusesBadInput(t *testing.T) {
	var n int
	for _, c := range []struct {
		call func()
		want string
	}{
		{func() { leakcheck.NewFramework("") }, `NewFramework(""): give the import paths`},
		{func() { leakcheck.NewFramework("github.com/onsi/ginkgo/v2 github.com/x") }, `give the import paths of the framework's packages`},
		{func() { leakcheck.Within(nil) }, "Within(nil): pass the Framework from NewFramework"},
		{func() { leakcheck.NewFramework().KeepsIn(n) }, "KeepsIn(int): pass a pointer to the framework's variable (&v)"},
		{func() { leakcheck.NewFramework().KeepsIn((*int)(nil)) }, "KeepsIn(*int): pass a pointer"},
	} {
		assert.Contains(t, panicText(c.call), c.want)
	}
}
