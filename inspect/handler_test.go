package inspect_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/trackable"
)

func TestHandlerText(t *testing.T) {
	inv := fixture()
	h := inspect.Handler(inv)
	first := get(t, h, "/debug/objtrack/")
	require.Equal(t, http.StatusOK, first.Code)
	assert.Equal(t, "text/plain; charset=utf-8", first.Header().Get("Content-Type"))
	inv.NotifyAttached(trackable.Event{Serial: 5, Type: connType})
	second := get(t, h, "/debug/objtrack/?format=text&debug=1&since="+sinceOf(t, first.Body.String())).Body.String()
	golden.Assert(t, "inspect/text.golden", normalizeTokens([]byte(first.Body.String()+"---\n"+second)))
	assert.Contains(t, second, "inspect_test.Conn                        live: 3 (+1)       retired: 1\n", "the change since the named view")
	assert.Contains(t, second, `   obj#4        bundle:"user=ann"`)
	assert.NotContains(t, first.Body.String(), "obj#4", "records only with debug=1")
	assert.NotContains(t, first.Body.String()+second, "allocated", `one word, "live", for live counts`)
}

func TestHandlerJSON(t *testing.T) {
	inv := fixture()
	h := inspect.Handler(inv)
	rec := get(t, h, "/?format=json&debug=1")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	var snap trackable.Snapshot // the JSON reads as a snapshot
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &snap))
	require.Len(t, snap.Types, 2)
	assert.Equal(t, int64(2), snap.Types[0].Live)
	assert.Equal(t, "user=ann", snap.Types[1].Objects[0].Bundle)

	var first struct{ Since string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &first))
	e := &events{inv: inv, serial: 100}
	e.attach(connType, 2, nil)
	e.destroy(connType, 2)
	second := get(t, h, "/?format=json&type=Conn&since="+first.Since)
	golden.Assert(t, "inspect/snapshot.json.golden", normalizeTokens(append(append(rec.Body.Bytes(), "---\n"...), second.Body.Bytes()...)))
	assert.Contains(t, second.Body.String(), `"live_change": 1,`)
}

func TestHandlerFilters(t *testing.T) {
	h := inspect.Handler(fixture())
	body := get(t, h, "/?type=Session").Body.String()
	assert.Contains(t, body, "inspect_test.Session")
	assert.NotContains(t, body, "inspect_test.Conn")

	var view struct{ Types []struct{ Type string } }
	body = get(t, h, "/?format=json&type=inspect_test.Conn,Session&type=Conn,,github.com/objtrack/objtrack/inspect_test.Conn").Body.String()
	require.NoError(t, json.Unmarshal([]byte(body), &view))
	assert.Equal(t, []struct{ Type string }{{"inspect_test.Conn"}, {"inspect_test.Session"}}, view.Types,
		"each type once, however often and under whichever name it is asked for")
}

func TestHandlerRefusesBadInput(t *testing.T) {
	h := inspect.Handler(fixture())
	known := "it counted github.com/objtrack/objtrack/inspect_test.Conn, github.com/objtrack/objtrack/inspect_test.Session"
	cases := map[string]string{
		"/?format=xml":          `inspect: unknown format "xml": use format=text, format=json or format=html`,
		"/?debug=2":             `inspect: debug="2": use debug=0 or debug=1`,
		"/?objects=5":           `inspect: objects=5 sets how many object records debug=1 shows: add debug=1`,
		"/?debug=1&objects=0":   `inspect: objects="0": give the number of records to show per type, from 1 to 1000`,
		"/?debug=1&objects=1e9": `inspect: objects="1e9": give the number of records to show per type, from 1 to 1000`,
		"/?gc=yes":              `inspect: gc="yes": use gc=1 to count after a garbage collection, or leave it out`,
		"/?refresh=-1":          `inspect: refresh="-1": give the page's refresh period in seconds, from 0 (never) to 3600`,
		"/?type=Conm":           `inspect: type="Conm": this inventory counted no type of that name; ` + known,
		"/?type=Conn,Conm,Sezz": `inspect: type="Conm": this inventory counted no type of that name; ` + known,
		"/?since=abc":           `inspect: since=...: not a since token of this handler: tokens hold for the process that issued them; ask without since=, or with the since of a recent answer`,
		"/?a=%zz":               `inspect: the query does not parse: invalid URL escape "%zz"`,
	}
	for target, msg := range cases {
		rec := get(t, h, target)
		assert.Equal(t, http.StatusBadRequest, rec.Code, target)
		assert.Equal(t, msg+"\n", rec.Body.String(), target)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
	assert.PanicsWithValue(t, "inspect: Handler(nil): pass the *trackable.Inventory to show", func() { inspect.Handler(nil) })
}

func TestHandlerRefusesAmbiguousNames(t *testing.T) {
	inv := trackable.NewInventory()
	e := &events{inv: inv}
	e.attach(connType, 1, nil)
	e.attach(ambiguousConnType, 1, nil)
	rec := get(t, inspect.Handler(inv), "/?type=Conn")
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, `inspect: type="Conn" is ambiguous: it names github.com/objtrack/objtrack/inspect_test.Conn, github.com/objtrack/objtrack/inspect/internal/othertype.Conn; use the full name`+"\n", rec.Body.String())
	assert.Equal(t, http.StatusOK, get(t, inspect.Handler(inv), "/?type=othertype.Conn").Code)
}

// Every answer, errors included, tells browsers not to guess its type.
func TestHandlerSaysNoSniff(t *testing.T) {
	h := inspect.Handler(fixture())
	for _, target := range []string{"/", "/?format=json", "/?format=html", "/?debug=7", "/?type=Nope", "/?" + strings.Repeat("x", 40<<10)} {
		rec := get(t, h, target)
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"), target)
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), target)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/", nil))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
}

// Each client names its own baseline: one client's requests, filtered or
// not, never move another's, and a view's changes are always relative
// to the view that the token came from.
func TestSinceIsTheClientsOwnBaseline(t *testing.T) {
	inv := fixture()
	e := &events{inv: inv, serial: 100}
	h := inspect.Handler(inv)
	ann := sinceOf(t, get(t, h, "/").Body.String())
	e.attach(connType, 2, nil)
	bob := sinceOf(t, get(t, h, "/").Body.String())
	for range 3 { // other clients, filtered or not
		get(t, h, "/?type=Conn")
		get(t, h, "/")
	}
	e.attach(connType, 1, nil)

	forAnn := get(t, h, "/?since="+ann).Body.String()
	assert.Contains(t, forAnn, "inspect_test.Conn                        live: 5 (+3)       retired: 1\n")
	assert.Contains(t, forAnn, "inspect_test.Session                     live: 1            retired: 0\n")
	forBob := get(t, h, "/?since="+bob).Body.String()
	assert.Contains(t, forBob, "inspect_test.Conn                        live: 5 (+1)       retired: 1\n")
	again := get(t, h, "/?since="+ann).Body.String()
	assert.Equal(t, textToken.ReplaceAllString(forAnn, ""), textToken.ReplaceAllString(again, ""), "a token can be used again")

	// A baseline of one type says nothing of the others; one of every
	// type says that a type it lacks is new.
	onlySessions := sinceOf(t, get(t, h, "/?type=Session").Body.String())
	body := get(t, h, "/?since="+onlySessions).Body.String()
	assert.Contains(t, body, "inspect_test.Conn                        live: 5            retired: 1\n")
	e.attach(bufferType, 2, nil)
	body = get(t, h, "/?since="+ann).Body.String()
	assert.Contains(t, body, "inspect_test.Buffer                      live: 2 (+2)       retired: 0\n")
}

// A token is refused by another handler, and any string of garbage is
// refused without a crash.
func TestSinceRefusesForeignTokens(t *testing.T) {
	inv := fixture()
	mine, other := inspect.Handler(inv), inspect.Handler(inv)
	token := sinceOf(t, get(t, mine, "/").Body.String())
	assert.Equal(t, http.StatusOK, get(t, mine, "/?since="+token).Code)
	assert.Equal(t, http.StatusBadRequest, get(t, other, "/?since="+token).Code)
	for _, garbage := range []string{"", "A", "AAAA", token[:len(token)-1], token + "A", "x" + token[1:], strings.Repeat("A", 30000), "%00%ff"} {
		assert.NotEqual(t, http.StatusInternalServerError, get(t, mine, "/?since="+garbage).Code, garbage)
	}
	// The page starts afresh rather than show an error.
	rec := get(t, other, "/?format=html&since="+token)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "earlier run of the service")
}

// Records are capped, with a line that says how many more there are and
// a parameter that shows more.
func TestRecordsAreCapped(t *testing.T) {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(sessionType, true)
	e := &events{inv: inv}
	e.attach(sessionType, 1500, func(s uint64) any { return sessionBundle(s) })
	h := inspect.Handler(inv)

	body := get(t, h, "/?debug=1").Body.String()
	assert.Equal(t, 20, strings.Count(body, "   obj#"))
	assert.Contains(t, body, "   obj#20       bundle:\"request 20\"\n   ... 1480 more\n")
	body = get(t, h, "/?debug=1&objects=100").Body.String()
	assert.Equal(t, 100, strings.Count(body, "   obj#"))
	assert.Contains(t, body, "   ... 1400 more\n")
	body = get(t, h, "/?debug=1&objects=1000").Body.String()
	assert.Equal(t, 1000, strings.Count(body, "   obj#"))

	var view struct {
		Types []struct {
			Objects     []json.RawMessage
			MoreObjects int `json:"more_objects"`
		}
	}
	require.NoError(t, json.Unmarshal(get(t, h, "/?format=json&debug=1&objects=7").Body.Bytes(), &view))
	assert.Len(t, view.Types[0].Objects, 7)
	assert.Equal(t, 1493, view.Types[0].MoreObjects)
	assert.NotContains(t, get(t, h, "/").Body.String(), "obj#", "no records unless asked")
	assert.NotContains(t, get(t, h, "/?format=json").Body.String(), "request 1", "no bundles unless asked")
}

// forgedBundle is a bundle whose %+v text holds newlines, as one that
// comes from user input might.
type forgedBundle struct{ Name string }

func (f forgedBundle) String() string { return f.Name }

type multiline struct{ Lines []string }

// A bundle cannot forge a line in any text view: its control characters
// are escaped. JSON stays JSON.
func TestBundlesTakeOneLine(t *testing.T) {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(sessionType, true)
	e := &events{inv: inv}
	forged := []any{
		"ann\ninspect_test.Conn                        live: 0            retired: 999",
		forgedBundle{"x\r\ngrowing: fake"},
		multiline{[]string{"a\nb", "\x1b[31mred"}},
		strings.Repeat("long ", 1000),
	}
	for _, b := range forged {
		e.attach(sessionType, 1, func(uint64) any { return b })
	}
	h := inspect.Handler(inv)
	text := get(t, h, "/?debug=1").Body.String()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Len(t, lines, 1+len(forged)+1, text)
	for _, l := range lines[1 : 1+len(forged)] {
		assert.True(t, strings.HasPrefix(l, "   obj#"), l)
		assert.Less(t, len(l), 1200, "a bundle's text is cut")
	}
	assert.Contains(t, text, `bundle:"ann\ninspect_test.Conn`)
	assert.Contains(t, text, `bundle:"x\r\ngrowing: fake"`)
	assert.Contains(t, text, `bundle:"{Lines:[a\nb \x1b[31mred]}"`)
	assert.Contains(t, text, `lon... (3978 bytes more)`)

	page := get(t, h, "/?format=html&debug=1").Body.String()
	assert.Contains(t, page, `<code class="bundle">&#34;ann\ninspect_test.Conn`)

	var view struct {
		Types []struct{ Objects []struct{ Bundle any } }
	}
	data := get(t, h, "/?format=json&debug=1").Body.Bytes()
	require.True(t, json.Valid(data))
	require.NoError(t, json.Unmarshal(data, &view))
	assert.Equal(t, forged[0], view.Types[0].Objects[0].Bundle, "JSON keeps the value")
}

// gc=1 counts after settling: garbage that the collector has not
// freed yet is not counted live.
func TestSettleBeforeCounting(t *testing.T) {
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(prev)
	kept := make([]*Conn, 0, 3)
	for i := range 50 {
		c := trackable.Track(&Conn{})
		if i%20 == 0 {
			kept = append(kept, c)
		}
	}
	h := inspect.Handler(inv)
	body := get(t, h, "/?gc=1&type=Conn").Body.String()
	assert.True(t, strings.HasPrefix(body, "inspect_test.Conn                        live: 3            retired: 47\n"), body)
	assert.Len(t, kept, 3)
}

// Registration is process-wide: the first run of the test registers, and
// every call after that, in this run or a later one (-count), is refused.
var registerOnce sync.Once

func TestRegisterOnce(t *testing.T) {
	inv := fixture()
	registerOnce.Do(func() { require.NoError(t, inspect.Register(inv)) })
	assert.EqualError(t, inspect.Register(inv), "inspect: Register: /debug/objtrack/ is registered already")
	srv := httptest.NewServer(http.DefaultServeMux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + inspect.Path + "?format=json")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"live": 2`)
}

// stuckResponse is a client that never reads: its writes block.
type stuckResponse struct {
	header  http.Header
	release chan struct{}
}

func (s *stuckResponse) Header() http.Header         { return s.header }
func (s *stuckResponse) WriteHeader(int)             {}
func (s *stuckResponse) Write(p []byte) (int, error) { <-s.release; return len(p), nil }

func TestStuckClientHoldsNothing(t *testing.T) {
	inv := fixture()
	h := inspect.Handler(inv)
	stuck := &stuckResponse{header: http.Header{}, release: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() { h.ServeHTTP(stuck, httptest.NewRequest(http.MethodGet, "/", nil)) })
	defer func() { close(stuck.release); wg.Wait() }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		inv.NotifyAttached(trackable.Event{Serial: 10, Type: connType})
		for _, target := range []string{"/", "/?format=json", "/?format=html"} {
			assert.Equal(t, http.StatusOK, get(t, h, target).Code)
		}
		var out strings.Builder
		assert.NoError(t, inv.Dump(&out))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a client that never reads blocked the inventory or other requests")
	}
}
