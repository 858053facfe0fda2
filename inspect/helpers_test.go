package inspect_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect/internal/othertype"
	"github.com/objtrack/objtrack/trackable"
)

// The tracked types of the tests. They are never made: the fixtures
// send the inventory events directly, so that every output is the same
// on every run.
type (
	Conn    struct{ trackable.Trackable }
	Session struct{ trackable.Trackable }
	Buffer  struct{ trackable.Trackable }
	Request struct{ trackable.Trackable }
	Worker  struct{ trackable.Trackable }
)

var (
	connType    = reflect.TypeFor[Conn]()
	sessionType = reflect.TypeFor[Session]()
	bufferType  = reflect.TypeFor[Buffer]()
	requestType = reflect.TypeFor[Request]()
	workerType  = reflect.TypeFor[Worker]()

	ambiguousConnType = reflect.TypeFor[othertype.Conn]()
)

// events feeds an inventory with serials of its own.
type events struct {
	inv    *trackable.Inventory
	serial uint64
}

func (e *events) attach(t reflect.Type, n int, bundle func(serial uint64) any) {
	for range n {
		e.serial++
		ev := trackable.Event{Serial: e.serial, Type: t}
		if bundle != nil {
			ev.Bundle = bundle(e.serial)
		}
		e.inv.NotifyAttached(ev)
	}
}

func (e *events) destroy(t reflect.Type, serials ...uint64) {
	for _, s := range serials {
		e.inv.NotifyDestroyed(trackable.Event{Serial: s, Type: t})
	}
}

// fixture is a small inventory: two Conns live and one retired, one
// Session under object tracking.
func fixture() *trackable.Inventory {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(sessionType, true)
	e := &events{inv: inv}
	e.attach(connType, 3, nil)
	e.destroy(connType, 1)
	e.attach(sessionType, 1, func(uint64) any { return "user=ann" })
	return inv
}

// growingFixture is an inventory sampled ten times, as a service's
// would be: Session grows by two objects a sample (and has object
// tracking), Buffer is made and dropped at the same pace, Conn goes up
// and down, Request and Worker stay flat.
func growingFixture(t testing.TB) (*trackable.Inventory, *events) {
	inv := trackable.NewInventory()
	stop, err := inv.StartSampling(time.Hour, 10) // samples are taken by hand
	require.NoError(t, err)
	t.Cleanup(stop)
	inv.SetObjectTracking(sessionType, true)
	e := &events{inv: inv}
	e.attach(requestType, 4, nil)
	e.attach(workerType, 8, nil)
	var sessions, conns []uint64
	for i := range 10 {
		e.attach(sessionType, 20, func(s uint64) any { return sessionBundle(s) })
		for k := e.serial - 19; k <= e.serial; k++ {
			sessions = append(sessions, k)
		}
		// 18 of the 20 sessions end; 2 are kept, the leak.
		ended := sessions[len(sessions)-20 : len(sessions)-2]
		e.destroy(sessionType, ended...)
		e.attach(bufferType, 20, nil)
		e.destroy(bufferType, seq(e.serial-19, e.serial)...)
		if i%2 == 0 {
			e.attach(connType, 3, nil)
			conns = seq(e.serial-2, e.serial)
		} else {
			e.destroy(connType, conns...)
		}
		inv.Sample()
	}
	return inv, e
}

func sessionBundle(serial uint64) any { return fmt.Sprintf("request %d", serial) }

func seq(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// get serves one request and returns the response.
func get(t testing.TB, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var (
	textToken = regexp.MustCompile(`since=[A-Za-z0-9_-]+`)
	jsonToken = regexp.MustCompile(`"since": "[A-Za-z0-9_-]+"`)
	htmlToken = regexp.MustCompile(`data-since="[A-Za-z0-9_-]+"`)
)

// normalizeTokens replaces since tokens, which are signed with a key
// drawn for each handler, so that outputs compare with golden files.
func normalizeTokens(b []byte) []byte {
	b = textToken.ReplaceAll(b, []byte("since=TOKEN"))
	b = jsonToken.ReplaceAll(b, []byte(`"since": "TOKEN"`))
	return htmlToken.ReplaceAll(b, []byte(`data-since="TOKEN"`))
}

// sinceOf returns the since token of a text answer.
func sinceOf(t testing.TB, body string) string {
	t.Helper()
	m := textToken.FindString(body)
	require.NotEmpty(t, m, "no since token in %q", body)
	return m[len("since="):]
}

// lockedBuffer is a writer that tells the test when something arrived.
type lockedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{wrote: make(chan struct{}, 1)} }

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
