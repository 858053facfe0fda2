package ginkgoext

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/objtrack/objtrack/trackable"
)

// HaveNoLive succeeds when no object of the named types is live; with no
// names, when no tracked object of any type is.
//
//	Expect(inv).To(HaveNoLive("Conn", "Session"))
func HaveNoLive(typeNames ...string) types.GomegaMatcher {
	return &countMatcher{
		name:    "HaveNoLive",
		types:   typeNames,
		want:    "no live objects",
		negated: "some live objects",
		ok:      func(tc trackable.TypeCount) bool { return tc.Live == 0 },
	}
}

// HaveLive succeeds when exactly n objects of the named type are live.
func HaveLive(typeName string, n int) types.GomegaMatcher {
	return &countMatcher{
		name:  "HaveLive",
		types: []string{typeName},
		n:     n,
		want:  fmt.Sprintf("exactly %d live", n),
		ok:    func(tc trackable.TypeCount) bool { return tc.Live == int64(n) },
	}
}

// HaveAtMostLive succeeds when at most n objects of the named type are
// live: a pool or a cache with a bound.
func HaveAtMostLive(typeName string, n int) types.GomegaMatcher {
	return &countMatcher{
		name:  "HaveAtMostLive",
		types: []string{typeName},
		n:     n,
		want:  fmt.Sprintf("at most %d live", n),
		ok:    func(tc trackable.TypeCount) bool { return tc.Live <= int64(n) },
	}
}

// HaveRetired succeeds when exactly n objects of the named type were
// destroyed while the inventory tracked them.
func HaveRetired(typeName string, n int) types.GomegaMatcher {
	return &countMatcher{
		name:  "HaveRetired",
		types: []string{typeName},
		n:     n,
		want:  fmt.Sprintf("exactly %d retired", n),
		ok:    func(tc trackable.TypeCount) bool { return tc.Retired == int64(n) },
	}
}

// countMatcher judges one count of each named type.
type countMatcher struct {
	name    string
	types   []string
	n       int
	want    string
	negated string // what the negated form expects; "not " + want if empty
	ok      func(trackable.TypeCount) bool

	failed []trackable.TypeCount // set by Match
	judged []trackable.TypeCount
}

func (m *countMatcher) Match(actual any) (bool, error) {
	if m.n < 0 {
		return false, fmt.Errorf("%s(%q, %d): the count must be 0 or more", m.name, m.types[0], m.n)
	}
	snap, err := snapshotOf(m.name, actual)
	if err != nil {
		return false, err
	}
	m.judged, m.failed = nil, nil
	if len(m.types) == 0 {
		m.judged = snap.Types
	}
	for _, name := range m.types {
		tc, err := snap.Lookup(name)
		if err != nil {
			return false, fmt.Errorf("%s(%q): %w", m.name, name, err)
		}
		m.judged = append(m.judged, tc)
	}
	for _, tc := range m.judged {
		if !m.ok(tc) {
			m.failed = append(m.failed, tc)
		}
	}
	return len(m.failed) == 0, nil
}

func (m *countMatcher) subject() string {
	if len(m.types) == 0 {
		return "every tracked type"
	}
	return strings.Join(m.types, ", ")
}

func (m *countMatcher) FailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected %s of %s, but:\n", m.want, m.subject())
	for _, tc := range m.failed {
		describeLive(&b, tc)
	}
	return b.String()
}

func (m *countMatcher) NegatedFailureMessage(any) string {
	var b strings.Builder
	negated := m.negated
	if negated == "" {
		negated = "not " + m.want
	}
	fmt.Fprintf(&b, "Expected %s of %s, but there are:\n", negated, m.subject())
	for _, tc := range m.judged {
		fmt.Fprintf(&b, "\n  %s: %d live, %d retired\n", trackable.FullTypeName(tc.Type), tc.Live, tc.Retired)
	}
	return b.String()
}
