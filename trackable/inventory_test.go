package trackable_test

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/trackable"
)

var (
	connType    = reflect.TypeFor[Conn]()
	sessionType = reflect.TypeFor[Session]()
)

// feed sends events straight to an inventory: the dump golden files do
// not depend on the serials other tests used.
func attach(inv *trackable.Inventory, typ reflect.Type, serial uint64, bundle any) {
	inv.NotifyAttached(trackable.Event{Serial: serial, Type: typ, Bundle: bundle})
}

func TestDumpGolden(t *testing.T) {
	inv := trackable.NewInventory()
	var out bytes.Buffer

	// The session of pytracker's README: two objects, a dump, one
	// dropped, a dump with changes.
	attach(inv, connType, 1, nil)
	attach(inv, connType, 2, nil)
	require.NoError(t, inv.Dump(&out))
	inv.NotifyDestroyed(trackable.Event{Serial: 1, Type: connType})
	require.NoError(t, inv.Dump(&out))
	require.NoError(t, inv.Dump(&out)) // nothing changed: no changes shown

	// Object tracking with bundles, and a type that appears later.
	inv.SetObjectTracking(sessionType, true)
	attach(inv, sessionType, 8, "first")
	attach(inv, sessionType, 9, struct{ User string }{"ann"})
	attach(inv, sessionType, 10, nil)
	inv.NotifyUpdated(trackable.Event{Serial: 10, Type: sessionType, Bundle: 7})
	require.NoError(t, inv.Dump(&out))
	inv.NotifyDestroyed(trackable.Event{Serial: 8, Type: sessionType, Bundle: "first"})
	inv.NotifyDetached(trackable.Event{Serial: 9, Type: sessionType})
	require.NoError(t, inv.Dump(&out))

	golden.Assert(t, "trackable/dump.golden", out.Bytes())
}

func TestDumpMatchesPytrackerLayout(t *testing.T) {
	inv := trackable.NewInventory()
	attach(inv, connType, 1, nil)
	var out bytes.Buffer
	require.NoError(t, inv.Dump(&out))
	inv.NotifyDestroyed(trackable.Event{Serial: 1, Type: connType})
	require.NoError(t, inv.Dump(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 2)
	// Columns of the original: name in 40, figures in 12.
	assert.Equal(t, 41, strings.Index(lines[0], "allocated:"))
	assert.Equal(t, 65, strings.Index(lines[0], "retired:"))
	assert.Equal(t, 65, strings.Index(lines[1], "retired:"))
	assert.Contains(t, lines[1], "allocated: 0 (-1)")
	assert.Contains(t, lines[1], "retired: 1 (+1)")
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestDumpReturnsWriteError(t *testing.T) {
	inv := trackable.NewInventory()
	attach(inv, connType, 1, nil)
	assert.ErrorIs(t, inv.Dump(failingWriter{}), errDiskFull)
}

func TestObjectTrackingFollowsEvents(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	assert.False(t, inv.ObjectTracking(connType))
	inv.SetObjectTracking(reflect.TypeFor[*Conn](), true) // pointer types mean their struct
	assert.True(t, inv.ObjectTracking(connType))

	a := trackable.Track(&Conn{})
	b := trackable.Track(&Conn{})
	a.SetDataBundle("a")
	records := func() []trackable.ObjectRecord {
		tc, err := inv.Snapshot().Lookup("Conn")
		require.NoError(t, err)
		return tc.Objects
	}
	assert.Equal(t, []trackable.ObjectRecord{{Serial: a.TrackerSerial(), Bundle: "a"}, {Serial: b.TrackerSerial()}}, records())

	b.SetTracker(nil) // detached: no longer recorded
	assert.Equal(t, []trackable.ObjectRecord{{Serial: a.TrackerSerial(), Bundle: "a"}}, records())

	inv.ResetObjectTracking(connType)
	assert.Empty(t, records())
	assert.True(t, inv.ObjectTracking(connType), "reset keeps tracking on")
	a.SetDataBundle("again")
	assert.Equal(t, []trackable.ObjectRecord{{Serial: a.TrackerSerial(), Bundle: "again"}}, records())

	inv.SetObjectTracking(connType, false)
	assert.Empty(t, records())
	assert.False(t, inv.ObjectTracking(connType))
	tc, _ := inv.Snapshot().Lookup("Conn")
	assert.Equal(t, int64(1), tc.Live, "object tracking never changes the counts")
	runtime.KeepAlive(b)
}

func TestObjectTrackingDropsDestroyed(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	inv.SetObjectTracking(connType, true)
	kept := trackable.Track(&Conn{})
	makeAndDrop("gone")
	settleGC(t)
	tc, err := inv.Snapshot().Lookup("Conn")
	require.NoError(t, err)
	assert.Equal(t, []trackable.ObjectRecord{{Serial: kept.TrackerSerial()}}, tc.Objects)
	assert.Equal(t, int64(1), tc.Live)
	assert.Equal(t, int64(1), tc.Retired)
}

func TestLookupNames(t *testing.T) {
	inv := trackable.NewInventory()
	attach(inv, connType, 1, nil)
	attach(inv, reflect.TypeFor[bytes.Buffer](), 2, nil)
	s := inv.Snapshot()
	for _, name := range []string{"Conn", "trackable_test.Conn", "github.com/objtrack/objtrack/trackable_test.Conn"} {
		tc, err := s.Lookup(name)
		require.NoError(t, err, name)
		assert.Equal(t, connType, tc.Type)
	}
	_, err := s.Lookup("Con")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no type named "Con"`)
	assert.Contains(t, err.Error(), "github.com/objtrack/objtrack/trackable_test.Conn", "lists the candidates")
	assert.Equal(t, int64(2), s.TotalLive())
}

func TestLookupAmbiguous(t *testing.T) {
	inv := trackable.NewInventory()
	attach(inv, connType, 1, nil)
	attach(inv, reflect.TypeFor[otherConn](), 2, nil)
	_, err := inv.Snapshot().Lookup("Conn")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ambiguous")
}

func TestObjectTrackingNilTypePanics(t *testing.T) {
	inv := trackable.NewInventory()
	assert.PanicsWithValue(t,
		"trackable: Inventory.SetObjectTracking(nil, ...): pass the tracked type, e.g. reflect.TypeFor[Conn]()",
		func() { inv.SetObjectTracking(nil, true) })
}

func TestSettleMakesCountsExact(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	func() {
		for range 1000 {
			trackable.Track(&Session{})
		}
	}()
	require.NoError(t, trackable.Settle(time.Minute))
	tc, err := inv.Snapshot().Lookup("Session")
	require.NoError(t, err)
	assert.Equal(t, int64(0), tc.Live)
	assert.Equal(t, int64(1000), tc.Retired)
	assert.ErrorContains(t, trackable.Settle(0), "the timeout must be positive")
}

// Events of one type carry one index, other types other indexes, and an
// event that Track did not send carries 0.
func TestEventsCarryTheirTypeIndex(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	a, b := trackable.Track(&Conn{}), trackable.Track(&Conn{})
	s := trackable.Track(&Session{})
	got := rec.attached()
	require.Len(t, got, 3)
	assert.Positive(t, got[0].TypeIndex())
	assert.Equal(t, got[0].TypeIndex(), got[1].TypeIndex())
	assert.NotEqual(t, got[0].TypeIndex(), got[2].TypeIndex())
	assert.Zero(t, trackable.Event{Type: reflect.TypeFor[Conn]()}.TypeIndex())
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(s)
}
