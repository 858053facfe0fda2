package otelobjtrack_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/otelobjtrack/internal/alike/also/db"
	onedb "github.com/objtrack/objtrack/otelobjtrack/internal/alike/db"
	"github.com/objtrack/objtrack/trackable"
)

// Two types that print alike ("db.Conn") have series of their own, by
// full name, and the name of a type does not change when its namesake
// appears. Growth tells them apart, so only the one that grows is
// reported growing.
func TestTypesThatPrintAlike(t *testing.T) {
	const (
		one  = "github.com/objtrack/objtrack/otelobjtrack/internal/alike/db.Conn"
		also = "github.com/objtrack/objtrack/otelobjtrack/internal/alike/also/db.Conn"
	)
	inv := useInventory(t)
	stopSampling, err := inv.StartSampling(time.Hour, 4)
	require.NoError(t, err)
	defer stopSampling()
	reader, _ := startReader(t, inv)

	kept := []any{onedb.New()}
	assert.Equal(t, map[string]int64{one: 1}, collect(t, reader)["objtrack.objects.live"])
	kept = append(kept, db.New())
	assert.Equal(t, map[string]int64{one: 1, also: 1}, collect(t, reader)["objtrack.objects.live"])

	for range 4 {
		kept = append(kept, onedb.New()) // only this one grows
		settle(t)
		inv.Sample()
	}
	snap := inv.Snapshot()
	require.Equal(t, []string{one}, growthTypes(snap), "the snapshot's name for a type that prints as another")
	got := collect(t, reader)
	assert.Equal(t, map[string]int64{one: 5, also: 1}, got["objtrack.objects.live"])
	assert.Equal(t, map[string]int64{one: 1}, got["objtrack.objects.growing"])
	runtime.KeepAlive(kept)
}

func growthTypes(s trackable.Snapshot) []string {
	var names []string
	for _, g := range s.Growing {
		names = append(names, g.Name)
	}
	return names
}
