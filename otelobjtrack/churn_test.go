package otelobjtrack_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/objtrack/objtrack/otelobjtrack"
)

// Collections run while goroutines track and drop objects of many types
// and the garbage collector retires them: under -race, this is where a
// data race between the callback and Track or the cleanups would show.
// Each retired series must never go down, whether the types move in and
// out of the top or not, and once the churn stops the values are the
// snapshot's.
func TestCollectWhileObjectsChurn(t *testing.T) {
	for _, c := range []struct {
		name     string
		maxTypes int
	}{
		{"every type by name", 100},
		{"most types in other", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv := useInventory(t)
			reader, _ := startReader(t, inv, otelobjtrack.WithMaxTypes(c.maxTypes))
			const workers, rounds, types = 2, 200, 12

			var wg sync.WaitGroup
			kept := make([][]any, workers)
			start := make(chan struct{})
			for w := range workers {
				wg.Go(func() {
					<-start
					for r := range rounds {
						i := (w*rounds + r) % types
						kept[w] = append(kept[w], trackGenerated(i)) // one kept
						for range 5 {
							_ = trackGenerated(i) // five dropped
						}
						if r%50 == 49 {
							runtime.GC() // so that cleanups run during the collections
						}
					}
				})
			}
			close(start)
			lastRetired := map[string]int64{}
			collections := 0
			check := func() {
				got := collect(t, reader)
				collections++
				for typ, n := range got["objtrack.objects.live"] {
					assert.GreaterOrEqual(t, n, int64(0), "live %s", typ)
				}
				for typ, n := range got["objtrack.objects.retired"] {
					assert.GreaterOrEqual(t, n, lastRetired[typ], "retired %s went down", typ)
					lastRetired[typ] = n
				}
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			for finished := false; !finished || collections < 20; {
				select {
				case <-done:
					finished = true
				default:
				}
				check()
			}
			settle(t)
			check()
			t.Logf("%d collections", collections)
			if c.maxTypes >= types {
				assert.Equal(t, fromSnapshot(inv.Snapshot()), collect(t, reader))
			} else {
				assert.Equal(t, inv.Snapshot().TotalLive(), sum(collect(t, reader)["objtrack.objects.live"]))
			}
			runtime.KeepAlive(kept)
		})
	}
}

// Two readers of one provider collect at once while objects churn: the
// SDK runs the callback once for each reader, on the reader's goroutine.
func TestConcurrentReaders(t *testing.T) {
	inv := useInventory(t)
	readerA, readerB := sdkmetric.NewManualReader(), sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(readerA), sdkmetric.WithReader(readerB))
	defer func() { _ = provider.Shutdown(context.Background()) }()
	stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(provider), otelobjtrack.WithMaxTypes(2))
	require.NoError(t, err)
	defer func() { _ = stop() }()

	var wg sync.WaitGroup
	var kept []any
	wg.Go(func() {
		for r := range 500 {
			kept = append(kept, trackGenerated(r%6))
			_ = trackGenerated((r + 1) % 6)
		}
	})
	for _, reader := range []*sdkmetric.ManualReader{readerA, readerB} {
		wg.Go(func() {
			var last int64
			for range 50 {
				retired := collect(t, reader)["objtrack.objects.retired"]["other"]
				assert.GreaterOrEqual(t, retired, last, "the retired count of other went down")
				last = retired
			}
		})
	}
	wg.Wait()
	settle(t)
	for _, reader := range []*sdkmetric.ManualReader{readerA, readerB} {
		assert.Equal(t, int64(len(kept)), sum(collect(t, reader)["objtrack.objects.live"]))
	}
	runtime.KeepAlive(kept)
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
