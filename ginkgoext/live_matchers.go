package ginkgoext

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/objtrack/objtrack/internal/typename"
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
	return oneCount("HaveLive", typeName, n, "exactly %d live", func(tc trackable.TypeCount) bool { return tc.Live == int64(n) })
}

// HaveAtMostLive succeeds when at most n objects of the named type are
// live: a pool or a cache with a bound.
func HaveAtMostLive(typeName string, n int) types.GomegaMatcher {
	return oneCount("HaveAtMostLive", typeName, n, "at most %d live", func(tc trackable.TypeCount) bool { return tc.Live <= int64(n) })
}

// HaveRetired succeeds when exactly n objects of the named type were
// destroyed while the inventory tracked them.
func HaveRetired(typeName string, n int) types.GomegaMatcher {
	return oneCount("HaveRetired", typeName, n, "exactly %d retired", func(tc trackable.TypeCount) bool { return tc.Retired == int64(n) })
}

// oneCount returns the matcher name of one type's count against n: want
// says what it expects, a format of n.
func oneCount(name, typeName string, n int, want string, ok func(trackable.TypeCount) bool) *countMatcher {
	return &countMatcher{name: name, types: []string{typeName}, n: n, want: fmt.Sprintf(want, n), ok: ok}
}

// countMatcher judges one count of each named type.
type countMatcher struct {
	name    string
	types   []string
	n       int
	want    string
	negated string // what the negated form expects; "not " + want if empty
	ok      func(trackable.TypeCount) bool

	failed []counted // set by Match
	judged []counted
}

// counted is the count of one named type, or of the name of a type of
// the program that the inventory has not counted so far: none of its
// objects exist.
type counted struct {
	name  string
	tc    trackable.TypeCount
	known bool
	// others lists the types the inventory has counted, for a name it
	// does not know, where the program's types cannot be listed
	// (typename.Listed): a typo is seen in the failure message.
	others []string
}

// canBeTracked reports whether Track takes a pointer to t: such types
// come first among the close names offered for a misspelt one.
func canBeTracked(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(reflect.TypeFor[trackable.Object]())
}

// checkName returns an error if name names no type of the program: a
// typo, which would otherwise count 0 and pass HaveNoLive forever. It
// needs no snapshot, so a matcher refuses the name before it settles the
// garbage collector.
func checkName(matcher, name string) error {
	if elem, ok := typename.PointerName(name); ok {
		return fmt.Errorf("%s(%q) names a pointer type, and objects are named by the type they point to: write %q", matcher, name, elem)
	}
	if hint, unknown := typename.Unknown(name, canBeTracked); unknown {
		return fmt.Errorf("%s(%q) names no type of the program; %s", matcher, name, hint)
	}
	return nil
}

// lookup finds the count of the type that name names. The name of a type
// of the program that no snapshot type matches is not an error: whether
// the inventory counted one may depend on which specs ran before (a
// random order, a focus), and a matcher's verdict must not. It counts 0,
// and failure messages say that no object of that type was tracked. A
// name that names several counted types is an error.
func lookup(snap trackable.Snapshot, name string) (counted, error) {
	n := 0
	for _, tc := range snap.Types {
		if typename.Matches(tc.Type, name) {
			n++
		}
	}
	if n == 0 {
		c := counted{name: name}
		if !typename.Listed {
			for _, tc := range snap.Types {
				c.others = append(c.others, typename.Full(tc.Type))
			}
		}
		return c, nil
	}
	tc, err := snap.Lookup(name)
	return counted{name: name, tc: tc, known: true}, err
}

func (m *countMatcher) Match(actual any) (bool, error) {
	if m.n < 0 {
		return false, fmt.Errorf("%s(%q, %d): the count must be 0 or more", m.name, m.types[0], m.n)
	}
	for _, name := range m.types {
		if err := checkName(m.name, name); err != nil {
			return false, err
		}
	}
	snap, err := snapshotOf(m.name, actual)
	if err != nil {
		return false, err
	}
	m.judged, m.failed = nil, nil
	if len(m.types) == 0 {
		for _, tc := range snap.Types {
			m.judged = append(m.judged, counted{name: typename.Full(tc.Type), tc: tc, known: true})
		}
	}
	for _, name := range m.types {
		c, err := lookup(snap, name)
		if err != nil {
			return false, fmt.Errorf("%s(%q): %w", m.name, name, err)
		}
		m.judged = append(m.judged, c)
	}
	for _, c := range m.judged {
		if !m.ok(c.tc) {
			m.failed = append(m.failed, c)
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
	for _, c := range m.failed {
		describeCounted(&b, c)
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
	for _, c := range m.judged {
		if !c.known {
			fmt.Fprintf(&b, "\n  %s: %s\n", c.name, untracked())
			continue
		}
		fmt.Fprintf(&b, "\n  %s: %d live, %d retired\n", typename.Full(c.tc.Type), c.tc.Live, c.tc.Retired)
	}
	return b.String()
}
