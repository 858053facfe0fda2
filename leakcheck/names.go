package leakcheck

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/objtrack/objtrack/internal/typename"
	"github.com/objtrack/objtrack/trackable"
)

// Type names in options (Allow, IgnoreTypes) are checked against the
// types of the program, listed once from its binary (internal/typename):
// a name that names none of them is a typo or a stale option, and the
// verdict that takes it fails, saying so and offering the close names
// that the program has. What ran before cannot change that answer, so a
// test run alone (go test -run TestOne) gets the same as in the whole
// run. A name of a real type counts its survivors, none if nothing made
// one: it applies to the surviving types that it names, resolved at each
// verdict. In a build with -tags objtrack_nolinkname the program's types
// cannot be listed: no name is known to be wrong, a misspelt one matches
// no survivor, and only a failing report's notes (optionNotes) show it.

// canBeTracked reports whether Track takes a pointer to t: such types
// come first among the close names offered for a misspelt one.
func canBeTracked(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(reflect.TypeFor[trackable.Object]())
}

// unknownNames describes the names in cfg's options that name no type of
// the program, or returns nil.
func unknownNames(cfg *config) []string {
	var out []string
	check := func(option, name string) {
		if elem, ok := typename.PointerName(name); ok {
			out = append(out, fmt.Sprintf("leakcheck: option %s(%q) names a pointer type, and objects are named by the type they point to: write %q", option, name, elem))
			return
		}
		if hint, unknown := typename.Unknown(name, canBeTracked); unknown {
			out = append(out, fmt.Sprintf("leakcheck: option %s(%q) names no type of the program; %s", option, name, hint))
		}
	}
	for _, name := range cfg.ignore {
		check("IgnoreTypes", name)
	}
	for _, a := range cfg.allow {
		check("Allow", a.name)
	}
	return out
}

// rules are the IgnoreTypes and Allow options of one verdict, resolved
// against the types of its survivors.
type rules struct {
	ignored map[reflect.Type]bool
	allowed map[reflect.Type]allowance
}

// resolveRules resolves the options' names against the survivor types.
// A name that matches two of them is ambiguous: the verdict fails and
// asks for the full name.
func resolveRules(cfg *config, survivors []reflect.Type) (rules, error) {
	r := rules{ignored: map[reflect.Type]bool{}, allowed: map[reflect.Type]allowance{}}
	for _, name := range cfg.ignore {
		t, err := resolveType("IgnoreTypes", name, survivors)
		if err != nil {
			return r, err
		}
		if t != nil {
			r.ignored[t] = true
		}
	}
	for _, a := range cfg.allow {
		t, err := resolveType("Allow", a.name, survivors)
		if err != nil {
			return r, err
		}
		if t != nil {
			r.allowed[t] = a
		}
	}
	return r, nil
}

// resolveType finds the one type among types that name names, or nil.
func resolveType(option, name string, types []reflect.Type) (reflect.Type, error) {
	var found []reflect.Type
	for _, t := range types {
		if typename.Matches(t, name) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	default:
		return nil, fmt.Errorf("leakcheck: option %s(%q) is ambiguous: it names %s; use the full name", option, name, typeNames(found))
	}
}

// optionNotes says, for a failing report, which option names matched
// none of its survivors: a typo shows where it matters.
func optionNotes(cfg *config, survivors []reflect.Type) []string {
	var notes []string
	check := func(option, name string) {
		if t, _ := resolveType(option, name, survivors); t == nil {
			notes = append(notes, fmt.Sprintf("option %s(%q) matched none of these types", option, name))
		}
	}
	for _, name := range cfg.ignore {
		check("IgnoreTypes", name)
	}
	for _, a := range cfg.allow {
		check("Allow", a.name)
	}
	return notes
}

func typeNames(types []reflect.Type) string {
	if len(types) == 0 {
		return "none yet"
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = typename.Full(t)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
