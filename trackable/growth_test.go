package trackable_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/trackable"
)

// A rising type is reported; a flat one and a noisy one are not.
func TestGrowthFindsTheRisingTypeOnly(t *testing.T) {
	inv := trackable.NewInventory()
	stop, err := inv.StartSampling(time.Hour, 6) // samples are taken by hand here
	require.NoError(t, err)
	defer stop()
	flat := reflect.TypeFor[Session]()
	noisy := reflect.TypeFor[Quiet]()
	serial := uint64(0)
	add := func(typ reflect.Type, n int) {
		for range n {
			serial++
			inv.NotifyAttached(trackable.Event{Serial: serial, Type: typ})
		}
	}
	drop := func(typ reflect.Type, n int) {
		for range n {
			serial++
			inv.NotifyDestroyed(trackable.Event{Serial: serial, Type: typ})
		}
	}
	add(flat, 50)
	for i := range 6 {
		add(connType, 10) // +10 every sample
		if i%2 == 0 {     // up and down: no trend
			add(noisy, 5)
		} else {
			drop(noisy, 5)
		}
		add(flat, 3) // flat: made and freed in step
		drop(flat, 3)
		inv.Sample()
	}
	growing := inv.Growing()
	require.Len(t, growing, 1, "%+v", growing)
	assert.Equal(t, trackable.Growth{Name: "trackable_test.Conn", Type: reflect.TypeFor[Conn](), LastSample: 60, Rise: 50, Steps: 5, Rises: 5}, growing[0])

	var out bytes.Buffer
	require.NoError(t, inv.Dump(&out))
	assert.Contains(t, out.String(), "growing: trackable_test.Conn             +50 over the last 5 samples, rising in 5 of them\n")
	data, err := json.Marshal(inv.Snapshot())
	require.NoError(t, err)
	assert.Contains(t, string(data), `"growing":[{"type":"trackable_test.Conn","last_sample":60,"rise":50,"steps":5,"rises":5}]`)
}

func TestGrowthNeedsAFullTrend(t *testing.T) {
	inv := trackable.NewInventory()
	stop, err := inv.StartSampling(time.Hour, 0)
	require.NoError(t, err)
	defer stop()
	inv.NotifyAttached(trackable.Event{Serial: 1, Type: connType})
	inv.Sample()
	inv.NotifyAttached(trackable.Event{Serial: 2, Type: connType})
	inv.Sample()
	assert.Empty(t, inv.Growing(), "two samples are not a trend")
}

func TestSamplingRunsOnItsOwn(t *testing.T) {
	inv := trackable.NewInventory()
	stop, err := inv.StartSampling(time.Millisecond, 4)
	require.NoError(t, err)
	// Wait for the event, not for a number of ticks: a loaded machine
	// takes longer, never fails.
	deadline := time.Now().Add(time.Minute)
	for i := 0; len(inv.Growing()) == 0 && time.Now().Before(deadline); i++ {
		inv.NotifyAttached(trackable.Event{Serial: uint64(i + 1), Type: connType})
		runtime.GC() // a sample is taken only after a collection
		time.Sleep(time.Millisecond)
	}
	stop()
	stop() // twice is fine
	assert.NotEmpty(t, inv.Growing(), "a type made every millisecond is growing")
}

// Without a collection between ticks the sampler takes no sample: counts
// that include uncollected garbage are not compared.
func TestSamplingWaitsForACollection(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	inv := trackable.NewInventory()
	stop, err := inv.StartSampling(time.Millisecond, 4)
	require.NoError(t, err)
	for i := range 50 {
		inv.NotifyAttached(trackable.Event{Serial: uint64(i + 1), Type: connType})
		time.Sleep(time.Millisecond)
	}
	stop()
	assert.Empty(t, inv.Growing(), "no collection ran, so no sample was taken")
}

func TestSamplingRefusesBadInput(t *testing.T) {
	inv := trackable.NewInventory()
	_, err := inv.StartSampling(-time.Second, 10)
	assert.EqualError(t, err, "trackable: StartSampling(-1s, ...): the interval must be positive")
	_, err = inv.StartSampling(time.Second, 2)
	assert.EqualError(t, err, "trackable: StartSampling(..., 2): keep at least 4 samples to see a trend")
	stop, err := inv.StartSampling(time.Second, 5)
	require.NoError(t, err)
	defer stop()
	_, err = inv.StartSampling(time.Second, 5)
	assert.EqualError(t, err, "trackable: StartSampling: this inventory is sampling already; stop it first")
	inv.Sample()
	assert.Empty(t, trackable.NewInventory().Growing(), "no sampling, no growth")
}

func TestSnapshotDiff(t *testing.T) {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(sessionType, true)
	attach(inv, connType, 1, nil)
	attach(inv, sessionType, 2, "a")
	attach(inv, sessionType, 3, "b")
	before := inv.Snapshot()
	attach(inv, connType, 4, nil)
	inv.NotifyDestroyed(trackable.Event{Serial: 2, Type: sessionType})
	attach(inv, sessionType, 5, "c")
	attach(inv, reflect.TypeFor[Quiet](), 6, nil)
	d := inv.Snapshot().Diff(before)
	var text bytes.Buffer
	require.NoError(t, d.WriteText(&text))
	data, err := json.MarshalIndent(d, "", "  ")
	require.NoError(t, err)
	golden.Assert(t, "trackable/diff.golden", append(append(text.Bytes(), '\n'), data...))

	var none bytes.Buffer
	require.NoError(t, inv.Snapshot().Diff(inv.Snapshot()).WriteText(&none))
	assert.Equal(t, "no change\n", none.String())
}

func TestLogValue(t *testing.T) {
	inv := trackable.NewInventory()
	attach(inv, connType, 1, nil)
	attach(inv, connType, 2, nil)
	inv.NotifyDestroyed(trackable.Event{Serial: 1, Type: connType})
	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	logger.Info("inventory", "objects", inv)
	assert.Equal(t, "level=INFO msg=inventory objects.trackable_test.Conn.live=1 objects.trackable_test.Conn.retired=1\n", out.String())
}

// A writer that never returns must not stop notifications, snapshots or
// other writers.
type stuckWriter struct{ release chan struct{} }

func (s stuckWriter) Write(p []byte) (int, error) { <-s.release; return len(p), nil }

func TestStuckDumpWriterHoldsNothing(t *testing.T) {
	inv := trackable.NewInventory()
	attach(inv, connType, 1, nil)
	stuck := stuckWriter{make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() { _ = inv.Dump(stuck) })
	defer func() { close(stuck.release); wg.Wait() }()
	done := make(chan struct{})
	go func() {
		attach(inv, connType, 2, nil)
		inv.Snapshot()
		var out bytes.Buffer
		_ = inv.Dump(&out)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a stuck writer blocked the inventory")
	}
	assert.True(t, strings.Contains(inv.Snapshot().Types[0].Name, "Conn"))
}

// Samples gives each type's window, oldest first, as a copy.
func TestSamplesKeepTheWindow(t *testing.T) {
	inv := trackable.NewInventory()
	assert.Nil(t, inv.Samples(connType), "no sampling, no samples")
	stop, err := inv.StartSampling(time.Hour, 4) // samples are taken by hand here
	require.NoError(t, err)
	defer stop()
	assert.Nil(t, inv.Samples(connType), "no sample yet")
	for i := range 6 {
		attach(inv, connType, uint64(i+1), nil)
		inv.Sample()
	}
	assert.Equal(t, []int64{3, 4, 5, 6}, inv.Samples(connType), "the last 4, oldest first")
	assert.Equal(t, []int64{3, 4, 5, 6}, inv.Samples(reflect.TypeFor[*Conn]()), "*Conn names Conn")
	inv.Samples(connType)[0] = 99
	assert.Equal(t, int64(3), inv.Samples(connType)[0], "the caller's copy")

	attach(inv, sessionType, 7, nil)
	inv.Sample()
	assert.Equal(t, []int64{1}, inv.Samples(sessionType), "from the first sample that counted the type")
	assert.Equal(t, []int64{4, 5, 6, 6}, inv.Samples(connType))
	assert.PanicsWithValue(t, "trackable: Inventory.Samples(nil): pass the tracked type, e.g. reflect.TypeFor[Conn]()", func() { inv.Samples(nil) })
}

// A growing type that prints as another counted type is named as the
// snapshot names it, by its full import path.
func TestGrowthNamesTypesAsTheSnapshotDoes(t *testing.T) {
	inv := trackable.NewInventory()
	conn, other := reflect.TypeFor[alsoConn](), reflect.TypeFor[otherConn]()
	_, err := inv.StartSampling(time.Hour, 4)
	require.NoError(t, err)
	inv.NotifyAttached(trackable.Event{Serial: 1, Type: other})
	for i := range 4 {
		inv.NotifyAttached(trackable.Event{Serial: uint64(10 + i), Type: conn})
		inv.Sample()
	}
	growing := inv.Growing()
	require.Len(t, growing, 1)
	assert.Equal(t, conn, growing[0].Type)
	snap := inv.Snapshot()
	tc, err := snap.Lookup("github.com/objtrack/objtrack/trackable/internal/ambiguous/also.Conn")
	require.NoError(t, err)
	assert.Equal(t, tc.Name, growing[0].Name)
	assert.Equal(t, "github.com/objtrack/objtrack/trackable/internal/ambiguous/also.Conn", growing[0].Name)
}
