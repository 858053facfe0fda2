package otelobjtrack_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/otelobjtrack"
)

// Once each type has its attribute set, the callback allocates nothing
// but the snapshot it reads, whether the types fit under the cap or not.
func TestCallbackAllocatesOnlyItsSnapshot(t *testing.T) {
	inv := useInventory(t)
	var p population
	keep := map[int]int{}
	for i := range generatedTypes {
		keep[i] = 1 + i%5
	}
	p.add(keep, nil)
	snapshotAllocs := testing.AllocsPerRun(20, func() { sinkSnapshot = inv.Snapshot() })

	for _, maxTypes := range []int{otelobjtrack.DefaultMaxTypes, generatedTypes} {
		meter := &fakeMeter{}
		stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(&fakeProvider{meter: meter}), otelobjtrack.WithMaxTypes(maxTypes))
		require.NoError(t, err)
		callback, obs := meter.callbacks[0], &countingObserver{}
		require.NoError(t, callback(context.Background(), obs)) // makes the attribute sets
		callbackAllocs := testing.AllocsPerRun(20, func() { _ = callback(context.Background(), obs) })
		assert.Equal(t, snapshotAllocs, callbackAllocs, "allocations of a collection with a cap of %d", maxTypes)
		require.NoError(t, stop())
	}
	runtime.KeepAlive(&p)
}
