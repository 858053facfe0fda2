package trackable_test

import (
	"reflect"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/floor"
	"github.com/objtrack/objtrack/trackable"
)

func TestVersionIsOne(t *testing.T) {
	assert.Equal(t, 1, trackable.Version())
}

func TestRecordFitsOneSizeClass(t *testing.T) {
	assert.LessOrEqual(t, trackable.RecordSize, uintptr(64), "a bundle after Track must cost at most 64 bytes more")
}

func TestSizes(t *testing.T) {
	assert.Equal(t, uintptr(40), unsafe.Sizeof(trackable.Trackable{}), "the package documentation gives this size")
	assert.Equal(t, unsafe.Sizeof(floor.Object{}), unsafe.Sizeof(conn64{}), "the cost bars compare objects of one size")
	assert.Equal(t, uintptr(64), unsafe.Sizeof(conn64{}))
}

// Track without a bundle allocates what the runtime floor does, and no
// more: the object, and AddCleanup's copy of its argument.
func TestTrackAllocatesNoMoreThanTheFloor(t *testing.T) {
	useGlobal(t, trackable.NewInventory())
	floorAllocs := testing.AllocsPerRun(100, func() { sinkFloor = floor.New() })
	trackAllocs := testing.AllocsPerRun(100, func() { sinkConn = trackable.Track(&conn64{}) })
	assert.Equal(t, floorAllocs, trackAllocs)

	withBundle := testing.AllocsPerRun(100, func() {
		c := &conn64{}
		c.SetDataBundle("b")
		sinkConn = trackable.Track(c)
	})
	assert.Equal(t, floorAllocs+1, withBundle, "a bundle costs one record")
}

func TestTrackAttachesGlobalTracker(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	c := trackable.Track(&Conn{})
	s := c.TrackerSerial()
	require.NotZero(t, s)
	assert.Equal(t, []string{ev("attached", s, nil)}, rec.take())
	assert.Same(t, rec, c.Tracker())
}

func TestTrackWithoutGlobalTrackerStillAssignsSerial(t *testing.T) {
	useGlobal(t, nil)
	c := trackable.Track(&Conn{})
	assert.NotZero(t, c.TrackerSerial())
	assert.Nil(t, c.Tracker())
	c.SetDataBundle("b") // no tracker: nothing to tell, nothing breaks
	assert.Equal(t, "b", c.DataBundle())
}

func TestSetTrackerEventOrder(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	useGlobal(t, a)
	c := trackable.Track(&Conn{})
	s := c.TrackerSerial()
	a.take()

	c.SetTracker(a) // the same tracker: detached, then attached again
	assert.Equal(t, []string{ev("detached", s, nil), ev("attached", s, nil)}, a.take())

	c.SetDataBundle("x")
	c.SetTracker(b)
	assert.Equal(t, []string{ev("updated", s, "x"), ev("detached", s, "x")}, a.take())
	assert.Equal(t, []string{ev("attached", s, "x")}, b.take())

	c.SetTracker(nil)
	assert.Equal(t, []string{ev("detached", s, "x")}, b.take())
	assert.Nil(t, c.Tracker())

	c.SetDataBundle("y") // untracked now: no one is told
	assert.Empty(t, a.take())
	assert.Empty(t, b.take())
}

func TestSetDataBundleSendsUpdated(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	c := trackable.Track(&Conn{})
	s := c.TrackerSerial()
	c.SetDataBundle("first")
	c.SetDataBundle(42)
	assert.Equal(t, []string{ev("attached", s, nil), ev("updated", s, "first"), ev("updated", s, 42)}, rec.take())
	assert.Equal(t, 42, c.DataBundle())
}

func TestBundleSetBeforeTrackArrivesWithAttached(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	c := &Conn{}
	c.SetDataBundle("early")
	assert.Zero(t, c.TrackerSerial())
	assert.Empty(t, rec.take(), "an untracked object tells no tracker")
	trackable.Track(c)
	assert.Equal(t, []string{ev("attached", c.TrackerSerial(), "early")}, rec.take())
}

//go:noinline
func makeAndDrop(bundle any) uint64 {
	c := trackable.Track(&Conn{})
	c.SetDataBundle(bundle)
	return c.TrackerSerial()
}

func TestDestroyedCarriesLastBundle(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	s := makeAndDrop("last words")
	settleGC(t)
	assert.Equal(t, []string{ev("attached", s, nil), ev("updated", s, "last words"), ev("destroyed", s, "last words")}, rec.take())
}

// An object tracked with no tracker gets its destroyed notification when
// it gets a tracker; until then it costs no cleanup.
func TestTrackerSetLaterHearsDestroyed(t *testing.T) {
	useGlobal(t, nil)
	floorAllocs := testing.AllocsPerRun(100, func() { sinkFloor = floor.New() })
	withoutTracker := testing.AllocsPerRun(100, func() { sinkConn = trackable.Track(&conn64{}) })
	assert.Equal(t, 1.0, withoutTracker, "the object alone")
	assert.Less(t, withoutTracker, floorAllocs)

	rec := &recorder{}
	s := dropAfterSetTracker(t, rec)
	assert.Equal(t, []string{ev("attached", s, nil), ev("destroyed", s, nil)}, rec.take())
}

// dropAfterSetTracker tracks a Conn, gives it the tracker tr, drops it
// and settles the collector; it returns the Conn's serial.
func dropAfterSetTracker(t *testing.T, tr trackable.Tracker) uint64 {
	t.Helper()
	var s uint64
	func() {
		c := trackable.Track(&Conn{})
		s = c.TrackerSerial()
		c.SetTracker(tr)
	}()
	settleGC(t)
	return s
}

func TestDestroyedGoesToCurrentTracker(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	useGlobal(t, a)
	s := dropAfterSetTracker(t, b)
	assert.Equal(t, []string{ev("attached", s, nil), ev("detached", s, nil)}, a.take())
	assert.Equal(t, []string{ev("attached", s, nil), ev("destroyed", s, nil)}, b.take())
}

func TestObjectWithoutTrackerIsDestroyedQuietly(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	func() {
		c := trackable.Track(&Conn{})
		c.SetTracker(nil)
	}()
	rec.take()
	settleGC(t)
	assert.Empty(t, rec.take())
}

func TestTrackTwiceChangesNothing(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	c := trackable.Track(&Conn{})
	s := c.TrackerSerial()
	assert.Same(t, c, trackable.Track(c))
	assert.Equal(t, s, c.TrackerSerial())
	assert.Equal(t, []string{ev("attached", s, nil)}, rec.take())
}

func TestSerialsIncrease(t *testing.T) {
	a := trackable.Track(&Conn{})
	b := trackable.Track(&Session{})
	c := trackable.Track(&Conn{})
	assert.Less(t, a.TrackerSerial(), b.TrackerSerial())
	assert.Less(t, b.TrackerSerial(), c.TrackerSerial())
}

// copyOf copies a struct the way a program copies a value. It goes
// through reflect so that go vet, which rightly reports copies of a
// Trackable, accepts this file.
func copyOf[T any](p *T) *T {
	c := new(T)
	reflect.ValueOf(c).Elem().Set(reflect.ValueOf(p).Elem())
	return c
}

// A copy carries its original's cleanup handle until Track gives it its
// own: a copy tracked with no tracker, then given one, must not stop the
// cleanup of its original.
func TestCopyGivenATrackerLaterLeavesTheOriginalAlone(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	var origSerial uint64
	func() {
		orig := trackable.Track(&Conn{}) // no bundle: shared state
		origSerial = orig.TrackerSerial()
		dup := copyOf(orig)
		trackable.SetGlobalTracker(nil)
		trackable.Track(dup)
		dup.SetTracker(rec)
		runtime.KeepAlive(orig)
		runtime.KeepAlive(dup)
	}()
	settleGC(t)
	assert.Contains(t, rec.take(), ev("destroyed", origSerial, nil), "the original's cleanup still ran")
}

func TestTrackOnCopyTracksANewObject(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	orig := trackable.Track(&Conn{Addr: "a"})
	orig.SetDataBundle("shared")
	other := &recorder{}
	orig.SetTracker(other) // the copy still gets the global tracker
	rec.take()

	dup := copyOf(orig)
	assert.Zero(t, dup.TrackerSerial(), "a copy is not tracked until passed to Track")
	assert.Nil(t, dup.Tracker())
	assert.Equal(t, "shared", dup.DataBundle(), "a copy reads its original's bundle")

	trackable.Track(dup)
	require.NotZero(t, dup.TrackerSerial())
	assert.NotEqual(t, orig.TrackerSerial(), dup.TrackerSerial())
	assert.Equal(t, []string{ev("attached", dup.TrackerSerial(), "shared")}, rec.take())
	assert.Same(t, rec, dup.Tracker())

	// From now on they are separate objects.
	dup.SetDataBundle("mine")
	assert.Equal(t, "shared", orig.DataBundle())
	assert.Same(t, other, orig.Tracker())
}

func TestCopyOfUntrackedCopyIsTrackedToo(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	orig := trackable.Track(&Conn{})
	dup := copyOf(copyOf(orig))
	trackable.Track(dup)
	assert.NotEqual(t, orig.TrackerSerial(), dup.TrackerSerial())
	assert.NotZero(t, dup.TrackerSerial())
}

func TestSetDataBundleOnUntrackedCopyLeavesOriginalAlone(t *testing.T) {
	useGlobal(t, nil)
	orig := trackable.Track(&Conn{})
	orig.SetDataBundle("orig")
	dup := copyOf(orig)
	dup.SetDataBundle("dup")
	assert.Equal(t, "orig", orig.DataBundle())
	assert.Equal(t, "dup", dup.DataBundle())
	trackable.Track(dup)
	assert.Equal(t, "dup", dup.DataBundle())
}

// Quiet is a type that opts out of the global tracker.
type Quiet struct {
	trackable.Trackable `trackable:"-"`
	N                   int
}

// QuietOuter opts out through a struct that embeds Trackable.
type QuietOuter struct {
	Quiet
}

// QuietByOuter tags the embedding of a trackable struct.
type QuietByOuter struct {
	Conn `trackable:"-"`
}

func TestOptOutTag(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	q := trackable.Track(&Quiet{})
	qo := trackable.Track(&QuietOuter{})
	qb := trackable.Track(&QuietByOuter{})
	c := trackable.Track(&Conn{})
	assert.Nil(t, q.Tracker())
	assert.Nil(t, qo.Tracker())
	assert.Nil(t, qb.Tracker())
	assert.NotZero(t, q.TrackerSerial(), "opting out of the global tracker still assigns a serial")
	assert.Equal(t, []string{ev("attached", c.TrackerSerial(), nil)}, rec.take())

	q.SetTracker(rec) // an explicit tracker still works
	assert.Equal(t, []string{"attached trackable_test.Quiet#" + itoa(q.TrackerSerial()) + " <nil>"}, rec.take())
}

func TestEmbeddedTypeIsTheStruct(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	type Outer struct{ Conn }
	o := trackable.Track(&Outer{})
	got := rec.take()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "trackable_test.Outer#")
	_ = o
	tr := trackable.Track(&trackable.Trackable{})
	assert.NotZero(t, tr.TrackerSerial(), "*Trackable itself is an Object")
}

func TestCyclesAreCollected(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	func() {
		a := trackable.Track(&Session{ID: 1})
		b := trackable.Track(&Session{ID: 2, Peer: a})
		a.Peer = b
		self := trackable.Track(&Session{ID: 3})
		self.Peer = self
	}()
	settleGC(t)
	tc, err := inv.Snapshot().Lookup("Session")
	require.NoError(t, err)
	assert.Equal(t, int64(0), tc.Live)
	assert.Equal(t, int64(3), tc.Retired)
}

func TestKeptObjectsStayLive(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	kept := trackable.Track(&Conn{})
	settleGC(t)
	tc, err := inv.Snapshot().Lookup("Conn")
	require.NoError(t, err)
	assert.Equal(t, int64(1), tc.Live)
	assert.Equal(t, int64(0), tc.Retired)
	runtime.KeepAlive(kept)
}
