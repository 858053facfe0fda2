package owner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/objtrack/objtrack/internal/stack"
)

// A site whose goroutines were no test's idsGiveUp times stops paying for
// goroutine ids, until the set of running checked tests changes.
func TestGoroutineIDsGiveUpPerSiteUntilScopesChange(t *testing.T) {
	var tab Table
	site := stack.ID(7)
	for range idsGiveUp - 1 {
		tab.noteUselessIDs(site)
	}
	assert.False(t, tab.idsUseless(site), "not yet")
	tab.noteUselessIDs(site)
	assert.True(t, tab.idsUseless(site))
	assert.False(t, tab.idsUseless(site+1), "other sites are not affected")

	o := &Owner{Name: "TestNew", Function: "pkg.TestNew"}
	tab.Begin(o)
	defer tab.End(o)
	assert.False(t, tab.idsUseless(site), "a new checked test may own the site's goroutines")
	tab.noteUselessIDs(site)
	assert.False(t, tab.idsUseless(site), "the count starts over")

	// Ending a test does not restart the count: the tests left can own
	// no goroutine that the ended one could not.
	for range idsGiveUp {
		tab.noteUselessIDs(site)
	}
	other := &Owner{Name: "TestOther", Function: "pkg.TestOther"}
	tab.Begin(other)
	for range idsGiveUp {
		tab.noteUselessIDs(site)
	}
	tab.End(other)
	assert.True(t, tab.idsUseless(site), "the count holds when a test ends")
}
