package inspect_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/trackable"
)

// manyTypes is an inventory of n types, as a large service counts: the
// case in which an error that lists every type, once per name asked for,
// took a 1 KB query to a 12.9 MB answer.
func manyTypes(n int) *trackable.Inventory {
	inv := trackable.NewInventory()
	for i := range n {
		inv.NotifyAttached(trackable.Event{Serial: uint64(i + 1), Type: reflect.ArrayOf(i+1, connType)})
	}
	return inv
}

// worstQueries are the queries that once cost the most, or could: many
// names that match nothing, long names, many parameters, a long garbage
// token, a long Accept header.
var worstQueries = []struct {
	name, target, accept string
	status               int
}{
	{"1 KB of unknown names", "/?type=" + strings.Repeat("Nope,", 200), "", http.StatusBadRequest},
	{"400 KB of unknown names", "/?type=" + strings.Repeat("Nope,", 80_000), "", http.StatusRequestURITooLong},
	{"32 KB of type parameters", "/?" + strings.Repeat("type=N&", 4600), "", http.StatusBadRequest},
	{"32 long unknown names", "/?type=" + strings.Repeat(strings.Repeat("N", 256)+",", 32), "", http.StatusBadRequest},
	{"one name too long", "/?type=" + strings.Repeat("N", 30_000), "", http.StatusBadRequest},
	{"32 KB of garbage token", "/?since=" + strings.Repeat("A", 32_000), "", http.StatusBadRequest},
	{"duplicates of a known name", "/?type=" + strings.Repeat("[7]inspect_test.Conn,", 32), "", http.StatusOK},
	{"long Accept header", "/", strings.Repeat("application/x-nothing;q=0.1, ", 2000) + "text/html", http.StatusOK},
	{"every format option", "/?format=html&debug=1&objects=1000&gc=0&refresh=3600&type=" + strings.Repeat("[9]inspect_test.Conn,", 32), "", http.StatusOK},
}

// Whatever the query, a request's answer and its work are bounded: the
// answer by a few KiB for an error, the memory it allocates by what a
// plain request for every type costs, plus the query itself.
func TestWorstQueriesAreBounded(t *testing.T) {
	h := inspect.Handler(manyTypes(200))
	plain := allocated(t, h, "/", "")
	t.Logf("a plain request for 200 types allocates %d bytes", plain)
	for _, q := range worstQueries {
		t.Run(q.name, func(t *testing.T) {
			rec := serve(h, q.target, q.accept)
			assert.Equal(t, q.status, rec.Code, rec.Body.String())
			if q.status != http.StatusOK {
				assert.LessOrEqual(t, rec.Body.Len(), 2<<10, "an error's size: %s", rec.Body.String())
			} else {
				assert.LessOrEqual(t, rec.Body.Len(), 32<<10)
			}
			bytes := allocated(t, h, q.target, q.accept)
			allocs := testing.AllocsPerRun(5, func() { serve(h, q.target, q.accept) })
			t.Logf("%d bytes in %.0f allocations for a %d-byte query: %d-byte answer", bytes, allocs, len(q.target), rec.Body.Len())
			assert.LessOrEqual(t, bytes, plain+512<<10, "bytes allocated")
			assert.LessOrEqual(t, allocs, 2000.0, "allocations")
		})
	}
}

// allocated returns the bytes that one request allocates, on average.
func allocated(t *testing.T, h http.Handler, target, accept string) uint64 {
	t.Helper()
	const runs = 10
	serve(h, target, accept) // warm up pools and the handler's type numbers
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		serve(h, target, accept)
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / runs
}

// serve serves one request to a recorder; the request itself is made
// outside of the measure.
func serve(h http.Handler, target, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.URL.RawQuery = strings.TrimPrefix(target, "/?")
	if !strings.Contains(target, "?") {
		req.URL.RawQuery = ""
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func BenchmarkWorstQuery(b *testing.B) {
	h := inspect.Handler(manyTypes(200))
	for _, q := range worstQueries {
		b.Run(strings.ReplaceAll(q.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(h, q.target, q.accept)
			}
		})
	}
}
