//go:build unix

package inspect_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/trackable"
)

func TestDumpOnSIGUSR1(t *testing.T) {
	inv := fixture()
	w := &signalWriter{wrote: make(chan struct{}, 1)}
	stop := inspect.DumpOnSignal(inv, w)
	defer stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	select {
	case <-w.wrote:
	case <-time.After(30 * time.Second):
		t.Fatal("no dump after SIGUSR1")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	assert.Contains(t, w.buf.String(), "inspect_test.Conn                        allocated: 2            retired: 1")
	stop()
	stop()
}

func TestLogOnSignal(t *testing.T) {
	inv := fixture()
	w := &signalWriter{wrote: make(chan struct{}, 1)}
	stop := inspect.LogOnSignal(inv, slog.New(slog.NewJSONHandler(w, nil)), syscall.SIGUSR2)
	defer stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	select {
	case <-w.wrote:
	case <-time.After(30 * time.Second):
		t.Fatal("no log after SIGUSR2")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	assert.Contains(t, w.buf.String(), `"msg":"objtrack inventory","objects":{"inspect_test.Conn":{"live":2,"retired":1},"inspect_test.Session":{"live":1,"retired":0}}`)
}

// Dumps, signals and requests while objects are made and freed on many
// goroutines: no race, and every response is well formed.
func TestConcurrentViews(t *testing.T) {
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(prev)
	stopSampling, err := inv.StartSampling(time.Millisecond, 4)
	require.NoError(t, err)
	defer stopSampling()
	w := &signalWriter{wrote: make(chan struct{}, 1)}
	stopSignals := inspect.DumpOnSignal(inv, w)
	defer stopSignals()
	h := inspect.Handler(inv)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				trackable.Track(&Conn{})
			}
		})
	}
	for i := range 50 {
		wg.Go(func() {
			format := []string{"text", "json"}[i%2]
			code, body := get(t, h, "/?debug=1&format="+format)
			assert.Equal(t, http.StatusOK, code)
			if format == "json" {
				assert.True(t, json.Valid([]byte(body)), body)
			}
		})
		if i%10 == 0 {
			require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR1))
		}
	}
	wg.Wait()
	var out strings.Builder
	require.NoError(t, inv.Dump(&out))
	assert.Contains(t, out.String(), "inspect_test.Conn")
}
