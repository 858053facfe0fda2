package inspect

import (
	"fmt"
	"strings"

	"github.com/objtrack/objtrack/internal/typename"
	"github.com/objtrack/objtrack/trackable"
)

// maxNamesListed is how many type names an error lists: enough to spot
// a typo, and no more, so that an error stays short with any number of
// types.
const maxNamesListed = 5

// selectTypes returns which of a snapshot's types the names of type= ask
// for, nil for all when there are none. A type named twice, under one
// name or two, is shown once. It refuses the first name that names no
// type, or several.
func selectTypes(types []trackable.TypeCount, names []string) ([]bool, *badRequest) {
	if len(names) == 0 {
		return nil, nil
	}
	keep := make([]bool, len(types))
	for _, name := range names {
		first, matches := -1, 0
		for i, tc := range types {
			if typename.Matches(tc.Type, name) {
				if matches == 0 {
					first = i
				}
				matches++
			}
		}
		switch {
		case matches == 1:
			keep[first] = true
		case matches == 0:
			return nil, refuse("type=%q: this inventory counted no type of that name; %s", clip(name), nameList(types, "it counted", func(trackable.TypeCount) bool { return true }))
		default:
			return nil, refuse("type=%q is ambiguous: %s; use the full name", clip(name), nameList(types, "it names", func(tc trackable.TypeCount) bool { return typename.Matches(tc.Type, name) }))
		}
	}
	return keep, nil
}

// nameList lists the full names of the types that pick chooses, at most
// maxNamesListed of them: "it counted a.Conn, b.Session and 3 more".
func nameList(types []trackable.TypeCount, intro string, pick func(trackable.TypeCount) bool) string {
	var b strings.Builder
	b.WriteString(intro)
	n := 0
	for _, tc := range types {
		if !pick(tc) {
			continue
		}
		if n < maxNamesListed {
			if n > 0 {
				b.WriteString(",")
			}
			b.WriteString(" ")
			b.WriteString(typename.Full(tc.Type))
		}
		n++
	}
	switch {
	case n == 0:
		b.WriteString(" none")
	case n > maxNamesListed:
		fmt.Fprintf(&b, " and %d more (ask without type= for all)", n-maxNamesListed)
	}
	return b.String()
}
