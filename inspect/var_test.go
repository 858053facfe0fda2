package inspect_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/trackable"
)

// expvarVar is expvar.Var, whose package this test must not import: the
// test checks that nothing serves /debug/vars.
type expvarVar interface{ String() string }

func TestVar(t *testing.T) {
	inv := fixture()
	var v expvarVar = inspect.Var(inv)
	var snap trackable.Snapshot
	require.NoError(t, json.Unmarshal([]byte(v.String()), &snap))
	assert.Len(t, snap.Types, 2)
	assert.JSONEq(t, `{"types":[{"type":"inspect_test.Conn","live":2,"retired":1},{"type":"inspect_test.Session","live":1,"retired":0,"object_tracking":true}]}`, v.String(),
		"no records, so no bundle, unless asked for")
	inv.NotifyAttached(trackable.Event{Serial: 9, Type: connType})
	assert.Contains(t, v.String(), `"live":3`, "read afresh")

	withRecords := inspect.Var(inv, inspect.ObjectRecords(1)).String()
	assert.Contains(t, withRecords, `"objects":[{"serial":4,"bundle":"user=ann"}]`)
}

func TestOptionsRefuseMisuse(t *testing.T) {
	inv := fixture()
	assert.PanicsWithValue(t, "inspect: Var(nil): pass the *trackable.Inventory to publish", func() { inspect.Var(nil) })
	assert.PanicsWithValue(t, "inspect: Var: Signals applies to DumpOnSignal and LogOnSignal only", func() { inspect.Var(inv, inspect.Signals()) })
	assert.PanicsWithValue(t, "inspect: ObjectRecords(0): give the most records to show per type, e.g. 20", func() { inspect.ObjectRecords(0) })
	assert.PanicsWithValue(t, "inspect: DumpOnSignal needs an inventory and a writer", func() { inspect.DumpOnSignal(nil, newLockedBuffer()) })
	assert.PanicsWithValue(t, "inspect: LogOnSignal needs an inventory and a logger", func() { inspect.LogOnSignal(inv, nil) })
	assert.PanicsWithValue(t, "inspect: DumpOnSignal: a nil Option", func() { inspect.DumpOnSignal(inv, newLockedBuffer(), nil) })
	inspect.DumpOnSignal(inv, newLockedBuffer(), inspect.Signals())() // no signal: nothing installed
}

// Importing inspect registers nothing: this test binary imports it and
// not expvar, and no handler answers /debug/vars or any other path on
// the default mux until Register is called.
func TestImportRegistersNothing(t *testing.T) {
	for _, path := range []string{"/debug/vars", "/debug/pprof/"} {
		_, pattern := http.DefaultServeMux.Handler(&http.Request{Method: http.MethodGet, URL: mustParse(t, path)})
		assert.Empty(t, pattern, "%s is served by the default mux", path)
	}
}
