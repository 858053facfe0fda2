package inspect

import (
	"encoding/json"
	"fmt"

	"github.com/objtrack/objtrack/trackable"
)

// Var returns the inventory as an expvar variable: its String method,
// all that expvar.Var asks for, returns the counts as JSON, read afresh
// each time, as the handler's format=json shows them. Publish it with
//
//	expvar.Publish("objtrack", inspect.Var(inv))
//
// This package does not import expvar, which would serve /debug/vars on
// http.DefaultServeMux in every program that imports inspect, if only to
// dump on a signal: the program that publishes imports expvar itself.
//
// Object records are left out unless the option ObjectRecords asks for
// them. Var panics if inv is nil, or if given Signals.
func Var(inv *trackable.Inventory, opts ...Option) fmt.Stringer {
	if inv == nil {
		panic("inspect: Var(nil): pass the *trackable.Inventory to publish")
	}
	return &inventoryVar{inv: inv, objects: settingsOf("Var", false, opts).objects}
}

type inventoryVar struct {
	inv     *trackable.Inventory
	objects int
}

// String returns the JSON of the inventory's current view.
func (v *inventoryVar) String() string {
	view := newView(v.inv.Snapshot(), nil, v.objects, nil).withSamples(v.inv)
	// A view holds nothing that encoding/json refuses (see jsonBundle).
	data, _ := json.Marshal(newJSONView(view, ""))
	return string(data)
}
