package leakcheck

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/objtrack/objtrack/internal/typename"
)

// Type names in options (Allow, IgnoreTypes) are resolved against the
// objects a verdict judges, never against the types tracked so far: what a
// name means must not depend on which tests ran before. A name applies to
// the surviving types that it names. A name that names no type tracked in
// the whole run is a typo or a stale option; VerifyTestMain fails the run
// for it at the end, when the answer no longer depends on order.

// namesUsed holds every name given to the options of a scope since
// VerifyTestMain began, with the option, for the end-of-run check.
var namesUsed struct {
	sync.Mutex
	m map[string]string // name -> the option that used it first
}

// noteNames records the names in cfg's options; fresh forgets those of
// earlier runs first.
func noteNames(cfg *config, fresh bool) {
	namesUsed.Lock()
	defer namesUsed.Unlock()
	if namesUsed.m == nil || fresh {
		namesUsed.m = map[string]string{}
	}
	note := func(option, name string) {
		if _, ok := namesUsed.m[name]; !ok {
			namesUsed.m[name] = option
		}
	}
	for _, n := range cfg.ignore {
		note("IgnoreTypes", n)
	}
	for _, a := range cfg.allow {
		note("Allow", a.name)
	}
}

// unmatchedNames describes the option names that name no type tracked in
// this process so far, or returns nil.
func unmatchedNames() []string {
	types := reg.allTypes()
	namesUsed.Lock()
	defer namesUsed.Unlock()
	var out []string
	for name, option := range namesUsed.m {
		if !slices.ContainsFunc(types, func(t reflect.Type) bool { return typename.Matches(t, name) }) {
			out = append(out, fmt.Sprintf("leakcheck: option %s(%q) names no type tracked in this run; tracked types: %s", option, name, typeNames(types)))
		}
	}
	slices.Sort(out)
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
