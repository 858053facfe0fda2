package inspect_test

import (
	"bytes"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/internal/golden"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
}

type Session struct {
	trackable.Trackable
}

var (
	connType    = reflect.TypeFor[Conn]()
	sessionType = reflect.TypeFor[Session]()
)

// fixture returns an inventory fed with events directly, so that outputs
// are the same on every run.
func fixture() *trackable.Inventory {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(sessionType, true)
	for i := uint64(1); i <= 3; i++ {
		inv.NotifyAttached(trackable.Event{Serial: i, Type: connType})
	}
	inv.NotifyDestroyed(trackable.Event{Serial: 1, Type: connType})
	inv.NotifyAttached(trackable.Event{Serial: 4, Type: sessionType, Bundle: "user=ann"})
	return inv
}

func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.String()
}

func TestHandlerText(t *testing.T) {
	inv := fixture()
	h := inspect.Handler(inv)
	code, body := get(t, h, "/debug/objtrack/")
	require.Equal(t, http.StatusOK, code)
	inv.NotifyAttached(trackable.Event{Serial: 5, Type: connType})
	_, second := get(t, h, "/debug/objtrack/?format=text&debug=1")
	golden.Assert(t, "inspect/text.golden", []byte(body+"---\n"+second))
	assert.Contains(t, second, "allocated: 3 (+1)", "changes since the previous request")
	assert.Contains(t, second, `obj#4        bundle:"user=ann"`)
	assert.NotContains(t, body, "obj#4", "records only with debug=1")
}

func TestHandlerJSON(t *testing.T) {
	h := inspect.Handler(fixture())
	code, body := get(t, h, "/?format=json&debug=1")
	require.Equal(t, http.StatusOK, code)
	golden.Assert(t, "inspect/snapshot.json.golden", []byte(body))
	var snap trackable.Snapshot
	require.NoError(t, json.Unmarshal([]byte(body), &snap))
	require.Len(t, snap.Types, 2)
	assert.Equal(t, int64(2), snap.Types[0].Live)
}

func TestHandlerFilters(t *testing.T) {
	h := inspect.Handler(fixture())
	_, body := get(t, h, "/?type=Session")
	assert.Contains(t, body, "inspect_test.Session")
	assert.NotContains(t, body, "inspect_test.Conn")
	_, body = get(t, h, "/?type=inspect_test.Conn,Session&format=json")
	assert.Contains(t, body, `"type": "inspect_test.Conn"`)
	assert.Contains(t, body, `"type": "inspect_test.Session"`)
}

func TestHandlerRefusesBadInput(t *testing.T) {
	h := inspect.Handler(fixture())
	cases := map[string]string{
		"/?format=xml": `inspect: unknown format "xml": use format=text or format=json`,
		"/?debug=2":    `inspect: unknown debug level "2": use debug=0 or debug=1`,
		"/?type=Conm":  `inspect: trackable: no type named "Conm" was ever tracked by this inventory; known types: github.com/objtrack/objtrack/inspect_test.Conn, github.com/objtrack/objtrack/inspect_test.Session`,
	}
	for target, msg := range cases {
		code, body := get(t, h, target)
		assert.Equal(t, http.StatusBadRequest, code, target)
		assert.Equal(t, msg+"\n", body, target)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
	assert.PanicsWithValue(t, "inspect: Handler(nil): pass the *trackable.Inventory to show", func() { inspect.Handler(nil) })
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

var expvarRuns atomic.Int32

func TestExpvar(t *testing.T) {
	inv := fixture()
	name := fmt.Sprintf("objtrack_test_%d", expvarRuns.Add(1)) // expvar names live as long as the process
	require.NoError(t, inspect.Publish(name, inv))
	assert.EqualError(t, inspect.Publish(name, inv), fmt.Sprintf("inspect: Publish(%q, ...): an expvar with that name exists already", name))
	assert.EqualError(t, inspect.Publish("", inv), `inspect: Publish("", ...): name the variable, e.g. "objtrack"`)
	v := expvar.Get(name).String()
	var snap trackable.Snapshot
	require.NoError(t, json.Unmarshal([]byte(v), &snap))
	assert.Len(t, snap.Types, 2)
	inv.NotifyAttached(trackable.Event{Serial: 9, Type: connType})
	assert.Contains(t, expvar.Get(name).String(), `"live":3`, "read afresh")
}

// signalWriter tells the test when a dump arrived.

func TestSignalHelpersRefuseNil(t *testing.T) {
	assert.PanicsWithValue(t, "inspect: DumpOnSignal needs an inventory and a writer", func() { inspect.DumpOnSignal(nil, os.Stderr) })
	assert.PanicsWithValue(t, "inspect: LogOnSignal needs an inventory and a logger", func() { inspect.LogOnSignal(fixture(), nil) })
	assert.PanicsWithValue(t, "inspect: Var(nil): pass the *trackable.Inventory to publish", func() { inspect.Var(nil) })
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
		for _, target := range []string{"/", "/?format=json"} {
			code, _ := get(t, h, target)
			assert.Equal(t, http.StatusOK, code)
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

type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}
