//go:build unix

package inspect_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/trackable"
)

// waitFor waits for the writer to be written to after a signal.
func waitFor(t *testing.T, w *lockedBuffer, what string) {
	t.Helper()
	select {
	case <-w.wrote:
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s after the signal", what)
	}
}

func TestDumpOnSIGUSR1(t *testing.T) {
	inv, e := growingFixture(t)
	w := newLockedBuffer()
	stop := inspect.DumpOnSignal(inv, w)
	defer stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	waitFor(t, w, "dump")
	e.attach(connType, 2, nil)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	waitFor(t, w, "second dump")
	stop()
	stop()
	dumps := w.String()
	golden.Assert(t, "inspect/signal.golden", []byte(dumps))
	assert.NotContains(t, dumps, "obj#", "records only when asked for")
	assert.Contains(t, dumps, "inspect_test.Conn                        live: 2 (+2)       retired: 15\n", "changes since the previous dump")
}

func TestDumpOnSignalCapsRecords(t *testing.T) {
	inv, _ := growingFixture(t)
	w := newLockedBuffer()
	stop := inspect.DumpOnSignal(inv, w, inspect.ObjectRecords(3), inspect.Signals(syscall.SIGUSR2))
	defer stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	waitFor(t, w, "dump")
	assert.Contains(t, w.String(), "inspect_test.Session                     live: 20           retired: 180\n"+
		"   obj#31       bundle:\"request 31\"\n"+
		"   obj#32       bundle:\"request 32\"\n"+
		"   obj#74       bundle:\"request 74\"\n"+
		"   ... 17 more\n")
}

func TestLogOnSignal(t *testing.T) {
	inv := fixture()
	w := newLockedBuffer()
	stop := inspect.LogOnSignal(inv, slog.New(slog.NewJSONHandler(w, nil)), inspect.Signals(syscall.SIGUSR2))
	defer stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	waitFor(t, w, "log")
	assert.Contains(t, w.String(), `"msg":"objtrack inventory","objects":{"inspect_test.Conn":{"live":2,"retired":1},"inspect_test.Session":{"live":1,"retired":0}}}`)
}

func TestLogOnSignalWithRecords(t *testing.T) {
	inv, _ := growingFixture(t)
	inv.SetObjectTracking(bufferType, true)
	inv.NotifyAttached(trackable.Event{Serial: 9999, Type: bufferType, Bundle: "line one\nlevel=ERROR msg=forged"})
	w := newLockedBuffer()
	stop := inspect.LogOnSignal(inv, slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: dropTime})), inspect.Signals(syscall.SIGUSR2), inspect.ObjectRecords(2))
	defer stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	waitFor(t, w, "log")
	golden.Assert(t, "inspect/log.golden", []byte(w.String()))
	assert.Equal(t, 1, strings.Count(w.String(), "\n"), "one line, whatever the bundles hold")
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// Dumps, signals and requests of every format while objects are made and
// freed on many goroutines: no race, and every answer is well formed.
func TestConcurrentViews(t *testing.T) {
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(prev)
	inv.SetObjectTracking(sessionType, true)
	stopSampling, err := inv.StartSampling(time.Millisecond, 4)
	require.NoError(t, err)
	defer stopSampling()
	w := newLockedBuffer()
	stopDumps := inspect.DumpOnSignal(inv, w, inspect.ObjectRecords(5))
	defer stopDumps()
	stopLogs := inspect.LogOnSignal(inv, slog.New(slog.NewJSONHandler(w, nil)))
	defer stopLogs()
	h := inspect.Handler(inv)
	v := inspect.Var(inv, inspect.ObjectRecords(5))
	kept := trackable.Track(&Conn{}) // type=Conn names a type from the start
	defer runtime.KeepAlive(kept)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 2000 {
				trackable.Track(&Conn{})
				s := &Session{}
				s.SetDataBundle(i)
				trackable.Track(s)
			}
		})
	}
	targets := []string{"/?debug=1", "/?format=json&debug=1", "/?format=html", "/?format=html&debug=1&type=Session", "/?gc=1&type=Conn"}
	for i := range 60 {
		wg.Go(func() {
			target := targets[i%len(targets)]
			rec := get(t, h, target)
			assert.Equal(t, http.StatusOK, rec.Code, target)
			if strings.Contains(target, "json") {
				assert.True(t, json.Valid(rec.Body.Bytes()), rec.Body.String())
			}
			if i%len(targets) == 0 { // a client that follows its own baseline
				rec = get(t, h, "/?since="+sinceOf(t, rec.Body.String()))
				assert.Equal(t, http.StatusOK, rec.Code)
			}
		})
		if i%10 == 0 {
			require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR1))
			assert.True(t, json.Valid([]byte(v.String())))
		}
	}
	wg.Wait()
	assert.Contains(t, get(t, h, "/").Body.String(), "inspect_test.Conn")
}
