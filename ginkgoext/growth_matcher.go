package ginkgoext

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/objtrack/objtrack/trackable"
)

// HaveGrownSince succeeds when the named type has more live objects now
// than in the snapshot before: the negated form is the useful one.
//
//	before := inv.Snapshot()
//	for range 100 { handle(request) }
//	Expect(inv).NotTo(HaveGrownSince(before, "Session"))
func HaveGrownSince(before trackable.Snapshot, typeName string) types.GomegaMatcher {
	return &growthMatcher{before: before, typeName: typeName}
}

type growthMatcher struct {
	before   trackable.Snapshot
	typeName string
	was, is  int64
	tc       counted
}

func (m *growthMatcher) Match(actual any) (bool, error) {
	if err := checkName("HaveGrownSince", m.typeName); err != nil {
		return false, err
	}
	snap, err := snapshotOf("HaveGrownSince", actual)
	if err != nil {
		return false, err
	}
	c, err := lookup(snap, m.typeName)
	if err != nil {
		return false, fmt.Errorf("HaveGrownSince(%q): %w", m.typeName, err)
	}
	m.tc, m.is, m.was = c, c.tc.Live, 0
	for _, old := range m.before.Types {
		if c.known && old.Type == c.tc.Type {
			m.was = old.Live
		}
	}
	return m.is > m.was, nil
}

func (m *growthMatcher) FailureMessage(any) string {
	return fmt.Sprintf("Expected %s to have grown, but it has %d live now and had %d before", m.typeName, m.is, m.was)
}

func (m *growthMatcher) NegatedFailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected %s not to have grown, but it went from %d to %d live (%+d):\n", m.typeName, m.was, m.is, m.is-m.was)
	describeCounted(&b, m.tc)
	return b.String()
}
