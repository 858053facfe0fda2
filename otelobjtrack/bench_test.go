package otelobjtrack_test

//go:generate go run ./internal/gen -n 1000 -o types_gen_test.go

import (
	"context"
	"runtime"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/objtrack/objtrack/otelobjtrack"
	"github.com/objtrack/objtrack/trackable"
)

var sinkSnapshot trackable.Snapshot

// BenchmarkCollect measures one collection of an inventory of 1,000 types
// against the snapshot it reads (impl=snapshot), in the same run: the
// callback alone, observing into nothing (impl=callback); a collection
// through the SDK's manual reader with the default cap, 300 types by name
// and the rest in "other" (impl=collect); and the same with every type by
// name (impl=collect-uncapped). The bar is collect at most 3 times
// snapshot. Runs of -count 1, one after the other, keep each figure close
// in time to its snapshot:
//
//	for i in $(seq 10); do go test -run '^$' -bench Collect -benchtime 500ms -count 1 . | tee -a bench.txt; done
//	benchstat -col /impl bench.txt
func BenchmarkCollect(b *testing.B) {
	inv := useInventory(b)
	var p population
	keep, drop := map[int]int{}, map[int]int{}
	for i := range generatedTypes {
		keep[i], drop[i] = 1+i%5, i%3
	}
	p.add(keep, drop)
	settle(b)
	if n := len(inv.Snapshot().Types); n != 1000 {
		b.Fatalf("%d types, want 1000", n)
	}

	b.Run("impl=snapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkSnapshot = inv.Snapshot()
		}
	})
	// The callback alone, observing into nothing: what this package adds
	// to the snapshot, without the SDK's aggregation.
	b.Run("impl=callback", func(b *testing.B) {
		meter := &fakeMeter{}
		stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(&fakeProvider{meter: meter}))
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = stop() }()
		ctx, obs := context.Background(), &countingObserver{}
		b.ReportAllocs()
		for b.Loop() {
			if err := meter.callbacks[0](ctx, obs); err != nil {
				b.Fatal(err)
			}
		}
	})
	collect := func(b *testing.B, opts ...otelobjtrack.Option) {
		reader, _ := startReader(b, inv, opts...)
		ctx := context.Background()
		var rm metricdata.ResourceMetrics
		b.ReportAllocs()
		for b.Loop() {
			if err := reader.Collect(ctx, &rm); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("impl=collect", func(b *testing.B) { collect(b) })
	b.Run("impl=collect-uncapped", func(b *testing.B) { collect(b, otelobjtrack.WithMaxTypes(generatedTypes)) })
	runtime.KeepAlive(&p)
}
