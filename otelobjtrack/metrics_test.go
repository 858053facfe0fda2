package otelobjtrack_test

import (
	"context"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/objtrack/objtrack/otelobjtrack"
	"github.com/objtrack/objtrack/trackable"
)

// trackSome tracks 3 Conns, 2 Sessions and 4 Buffers, drops 1 Conn and
// 4 Buffers, and returns what it keeps.
func trackSome() []any {
	kept := []any{
		trackable.Track(&Conn{Addr: "a"}), trackable.Track(&Conn{Addr: "b"}),
		trackable.Track(&Session{User: "ann"}), trackable.Track(&Session{User: "bob"}),
	}
	_ = trackable.Track(&Conn{Addr: "c"})
	for range 4 {
		_ = trackable.Track(&Buffer{Data: make([]byte, 64)})
	}
	return kept
}

func TestCollectionEqualsSnapshot(t *testing.T) {
	inv := useInventory(t)
	reader, _ := startReader(t, inv)
	kept := trackSome()
	settle(t)

	got := collect(t, reader)
	want := values{
		"objtrack.objects.live":    {testPkg + ".Conn": 2, testPkg + ".Session": 2, testPkg + ".Buffer": 0},
		"objtrack.objects.retired": {testPkg + ".Conn": 1, testPkg + ".Session": 0, testPkg + ".Buffer": 4},
	}
	assert.Equal(t, want, got)
	assert.Equal(t, fromSnapshot(inv.Snapshot()), got)
	runtime.KeepAlive(kept)
}

// With sampling on, the types that Growing lists have a growing series,
// and only they; samples are taken by hand, after a settle, so that the
// window is the same at every run.
func TestCollectionReportsGrowingTypes(t *testing.T) {
	inv := useInventory(t)
	stopSampling, err := inv.StartSampling(time.Hour, 4)
	require.NoError(t, err)
	defer stopSampling()
	reader, _ := startReader(t, inv)

	kept := []any{trackable.Track(&Conn{}), trackable.Track(&Conn{})} // steady
	for i := range 4 {
		kept = append(kept, trackable.Track(&Session{})) // grows by one a sample
		_ = trackable.Track(&Buffer{})                   // made and dropped: never grows
		settle(t)
		inv.Sample()
		if i < 3 {
			if got := collect(t, reader)["objtrack.objects.growing"]; got != nil {
				t.Fatalf("after %d samples, growing = %v; a window of 4 samples is not full yet", i+1, got)
			}
		}
	}
	snap := inv.Snapshot()
	require.Len(t, snap.Growing, 1, "growing = %+v", snap.Growing)
	got := collect(t, reader)
	assert.Equal(t, map[string]int64{testPkg + ".Session": 1}, got["objtrack.objects.growing"])
	assert.Equal(t, fromSnapshot(snap), got)
	assert.Equal(t, int64(4), got["objtrack.objects.live"][testPkg+".Session"])

	// Once sampling stops, the collection still reports what Growing
	// does: the last full window.
	stopSampling()
	assert.Equal(t, fromSnapshot(inv.Snapshot()), collect(t, reader))
	runtime.KeepAlive(kept)
}

func TestStopTwiceAndNoCallbackAfterStop(t *testing.T) {
	inv := useInventory(t)
	reader, stop := startReader(t, inv)
	kept := trackSome()
	settle(t)
	require.NotEmpty(t, collect(t, reader))

	require.NoError(t, stop())
	require.NoError(t, stop())
	assert.Empty(t, collect(t, reader), "values collected after stop")
	runtime.KeepAlive(kept)
}

// A fake meter sees the callback itself: after stop, calling it reads
// nothing and observes nothing, even when the SDK would still hold it.
func TestStopEndsObservationsAtOnce(t *testing.T) {
	inv := useInventory(t)
	kept := trackSome()
	meter := &fakeMeter{}
	stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(&fakeProvider{meter: meter}))
	require.NoError(t, err)
	require.Len(t, meter.callbacks, 1, "one callback for the three instruments")
	require.Len(t, meter.instruments[0], 3)

	obs := &countingObserver{}
	require.NoError(t, meter.callbacks[0](context.Background(), obs))
	assert.Equal(t, 6, obs.n, "live and retired for each of three types")

	require.NoError(t, stop())
	require.NoError(t, stop())
	assert.Equal(t, 1, meter.unregistered, "Unregister calls")
	obs.n = 0
	require.NoError(t, meter.callbacks[0](context.Background(), obs))
	assert.Zero(t, obs.n, "observations after stop")
	runtime.KeepAlive(kept)
}

// A collection blocked in the middle, holding whatever it holds, does not
// hold up Track or the cleanups that count objects retired.
func TestCollectionDoesNotBlockTrackOrCleanups(t *testing.T) {
	inv := useInventory(t)
	kept := trackSome()
	meter := &fakeMeter{}
	_, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(&fakeProvider{meter: meter}))
	require.NoError(t, err)

	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- meter.callbacks[0](context.Background(), &blockingObserver{inside: inside, release: release})
	}()
	released := false
	defer func() {
		if !released { // the test failed early: let the collection end
			close(release)
		}
	}()
	<-inside
	for range 100 {
		_ = trackable.Track(&Buffer{})
	}
	settle(t) // fails if a cleanup waits on the collection
	c, err := inv.Snapshot().Lookup("Buffer")
	require.NoError(t, err)
	assert.Equal(t, int64(104), c.Retired)
	released = true
	close(release)
	require.NoError(t, <-done)
	runtime.KeepAlive(kept)
}

func TestCollectionForcesNoGarbageCollection(t *testing.T) {
	inv := useInventory(t)
	reader, _ := startReader(t, inv)
	kept := trackSome()
	forced := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(forced)
	before := forced[0].Value.Uint64()
	for range 20 {
		collect(t, reader)
	}
	metrics.Read(forced)
	assert.Equal(t, before, forced[0].Value.Uint64(), "forced collections")
	runtime.KeepAlive(kept)
}

func TestStartRefusesBadInput(t *testing.T) {
	inv := trackable.NewInventory()
	for _, c := range []struct {
		name string
		inv  *trackable.Inventory
		opts []otelobjtrack.Option
		want string
	}{
		{"nil inventory", nil, nil, "otelobjtrack: Start(nil, ...): pass the inventory"},
		{"nil provider", inv, []otelobjtrack.Option{otelobjtrack.WithMeterProvider(nil)}, "otelobjtrack: WithMeterProvider(nil): pass a metric.MeterProvider"},
		{"zero cap", inv, []otelobjtrack.Option{otelobjtrack.WithMaxTypes(0)}, "otelobjtrack: WithMaxTypes(0): the cap must be at least 1"},
		{"negative cap", inv, []otelobjtrack.Option{otelobjtrack.WithMaxTypes(-3)}, "otelobjtrack: WithMaxTypes(-3): the cap must be at least 1"},
		{"nil option", inv, []otelobjtrack.Option{nil}, "otelobjtrack: Start: option 1 is nil"},
	} {
		t.Run(c.name, func(t *testing.T) {
			meter := &fakeMeter{}
			opts := append([]otelobjtrack.Option{otelobjtrack.WithMeterProvider(&fakeProvider{meter: meter})}, c.opts...)
			stop, err := otelobjtrack.Start(c.inv, opts...)
			require.Error(t, err)
			assert.Nil(t, stop)
			assert.True(t, strings.HasPrefix(err.Error(), c.want), "error %q, want it to begin with %q", err, c.want)
			assert.Empty(t, meter.callbacks, "callback registered")
		})
	}
}

// Start reports through the global provider unless told otherwise.
func TestStartUsesTheGlobalProvider(t *testing.T) {
	inv := useInventory(t)
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = provider.Shutdown(context.Background()) }()
	restore := setGlobalProvider(provider)
	defer restore()

	stop, err := otelobjtrack.Start(inv)
	require.NoError(t, err)
	defer func() { _ = stop() }()
	kept := trackable.Track(&Session{})
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	assert.Equal(t, otelobjtrack.ScopeName, rm.ScopeMetrics[0].Scope.Name)
	runtime.KeepAlive(kept)
}
