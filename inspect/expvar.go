package inspect

import (
	"expvar"
	"fmt"

	"github.com/objtrack/objtrack/trackable"
)

// Var returns an expvar.Var whose value is the inventory's snapshot as
// JSON, read afresh each time /debug/vars is served.
func Var(inv *trackable.Inventory) expvar.Var {
	if inv == nil {
		panic("inspect: Var(nil): pass the *trackable.Inventory to publish")
	}
	return expvar.Func(func() any { return inv.Snapshot() })
}

// Publish publishes Var(inv) under name. Unlike expvar.Publish it returns
// an error, rather than panicking, if the name is taken.
func Publish(name string, inv *trackable.Inventory) error {
	if name == "" {
		return fmt.Errorf("inspect: Publish(\"\", ...): name the variable, e.g. \"objtrack\"")
	}
	if expvar.Get(name) != nil {
		return fmt.Errorf("inspect: Publish(%q, ...): an expvar with that name exists already", name)
	}
	expvar.Publish(name, Var(inv))
	return nil
}
