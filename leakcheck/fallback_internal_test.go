package leakcheck

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/objtrack/objtrack/internal/stack"
)

// A site whose goroutines were no test's idsGiveUp times stops paying for
// goroutine ids, until the set of running checked tests changes.
func TestGoroutineIDsGiveUpPerSiteUntilScopesChange(t *testing.T) {
	site := stack.ID(1<<21 + 7) // a number no real site of this test has
	scopesChanged.Add(1)        // a count of its own, run after run
	for range idsGiveUp - 1 {
		noteUselessIDs(site)
	}
	assert.False(t, idsUseless(site), "not yet")
	noteUselessIDs(site)
	assert.True(t, idsUseless(site))
	assert.False(t, idsUseless(site+1), "other sites are not affected")

	s := &scope{name: "TestNew", fn: "pkg.TestNew"}
	addFunctionScope(s)
	defer removeFunctionScope(s)
	assert.False(t, idsUseless(site), "a new checked test may own the site's goroutines")
	noteUselessIDs(site)
	assert.False(t, idsUseless(site), "the count starts over")
}
