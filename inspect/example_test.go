package inspect_test

import (
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/trackable"
)

// Pool is a type of the examples; the inventory is told about it
// directly, so that the counts are the same on every run.
type Pool struct{ trackable.Trackable }

// The handler serves the inventory like net/http/pprof's: text for curl,
// JSON with ?format=json, an HTML page for browsers. Each text view ends
// with a since= token; sending it back shows each count's change since
// that view.
func ExampleHandler() {
	inv := trackable.NewInventory()
	buffer := reflect.TypeFor[Pool]()
	for serial := uint64(1); serial <= 5; serial++ {
		inv.NotifyAttached(trackable.Event{Serial: serial, Type: buffer})
	}
	inv.NotifyDestroyed(trackable.Event{Serial: 1, Type: buffer})

	h := inspect.Handler(inv) // mount it: mux.Handle(inspect.Path, h)
	get := func(url string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		return rec.Body.String()
	}
	first := get(inspect.Path)
	fmt.Print(strings.SplitAfter(first, "\n")[0])
	token := strings.Fields(first[strings.Index(first, "since="):])[0]

	inv.NotifyAttached(trackable.Event{Serial: 6, Type: buffer})
	fmt.Print(strings.SplitAfter(get(inspect.Path+"?"+token), "\n")[0])
	// Output:
	// inspect_test.Pool                        live: 4            retired: 1
	// inspect_test.Pool                        live: 5 (+1)       retired: 1
}
