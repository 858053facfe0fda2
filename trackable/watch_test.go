package trackable_test

import (
	"bytes"
	"net/http"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/trackable"
)

//go:noinline
func watchAndDrop(t *testing.T) uint64 {
	s, err := trackable.Watch(&http.Response{Status: "200 OK"})
	require.NoError(t, err)
	return s
}

func TestWatchReportsAttachAndDestroy(t *testing.T) {
	rec := &recorder{}
	useGlobal(t, rec)
	s := watchAndDrop(t)
	settleGC(t)
	assert.Equal(t, []string{
		"attached http.Response#" + itoa(s) + " <nil>",
		"destroyed http.Response#" + itoa(s) + " <nil>",
	}, rec.take())
	assert.Zero(t, trackable.WatchedLen(), "the Watch table forgets destroyed objects")
}

func TestWatchTwiceReturnsTheSameSerial(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	buf := &bytes.Buffer{}
	s1, err := trackable.Watch(buf)
	require.NoError(t, err)
	s2, err := trackable.Watch(buf)
	require.NoError(t, err)
	assert.Equal(t, s1, s2)
	tc, err := inv.Snapshot().Lookup("bytes.Buffer")
	require.NoError(t, err)
	assert.Equal(t, int64(1), tc.Live)
	runtime.KeepAlive(buf)
}

func TestWatchMapsAndChannels(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	m := map[string]int{"a": 1}
	ch := make(chan int, 1)
	_, err := trackable.Watch(m)
	require.NoError(t, err)
	_, err = trackable.Watch(ch)
	require.NoError(t, err)
	snap := inv.Snapshot()
	_, err = snap.Lookup("map[string]int")
	assert.NoError(t, err)
	_, err = snap.Lookup("chan int")
	assert.NoError(t, err)
	runtime.KeepAlive(m)
	runtime.KeepAlive(ch)
}

func TestWatchRefusesBadInput(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	var nilResp *http.Response
	var nilMap map[string]int
	cases := []struct {
		name string
		arg  any
		is   error
		msg  string
	}{
		{"nil", nil, trackable.ErrNotPointer, "got nil; pass the pointer to the object to watch"},
		{"value", http.Response{}, trackable.ErrNotPointer, "got a http.Response; pass its address (&v) instead"},
		{"slice", []int{1}, trackable.ErrNotPointer, "got a []int"},
		{"nil pointer", nilResp, trackable.ErrNotPointer, "got a nil *http.Response"},
		{"nil map", nilMap, trackable.ErrNotPointer, "got a nil map[string]int"},
		{"zero size", &struct{}{}, trackable.ErrNeverFreed, "struct {} has size zero"},
		{"tiny", new(int64), trackable.ErrNeverFreed, "int64 is smaller than 16 bytes and holds no pointers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := trackable.Watch(c.arg)
			assert.Zero(t, s)
			assert.ErrorIs(t, err, c.is)
			assert.ErrorContains(t, err, c.msg)
		})
	}
	assert.Empty(t, inv.Snapshot().Types, "refused values are never counted")
	_, err := trackable.Watch(new([2]int64))
	assert.NoError(t, err, "16 bytes is large enough")
	_, err = trackable.Watch(new(*int))
	assert.NoError(t, err, "small values holding pointers are not packed")
}

// Shell embeds *Trackable: a mistake that Track reports.
type Shell struct {
	*trackable.Trackable
}

func TestTrackRefusesBadInput(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	assert.PanicsWithValue(t,
		"trackable: Track((*trackable_test.Conn)(nil)): pass a pointer to a struct that embeds trackable.Trackable, not nil",
		func() { trackable.Track((*Conn)(nil)) })
	assert.PanicsWithValue(t,
		"trackable: Track(*trackable_test.Shell): its embedded *Trackable is nil: embed trackable.Trackable by value",
		func() { trackable.Track(&Shell{}) })
	assert.PanicsWithValue(t,
		"trackable: Track(trackable_test.Shell): pass a pointer to a struct that embeds trackable.Trackable",
		func() { trackable.Track(Shell{Trackable: &trackable.Trackable{}}) })
	assert.PanicsWithValue(t,
		"trackable: Track(<nil>): pass a pointer to a struct that embeds trackable.Trackable",
		func() { trackable.Track[trackable.Object](nil) })
	assert.Empty(t, inv.Snapshot().Types, "refused objects are never counted")
}

func TestMethodsOnUntrackedObjects(t *testing.T) {
	c := &Conn{}
	assert.PanicsWithValue(t,
		"trackable: SetTracker on an object that was never passed to Track: call trackable.Track(p) first, normally in its constructor",
		func() { c.SetTracker(trackable.NewInventory()) })
	assert.Nil(t, c.Tracker())
	assert.Zero(t, c.TrackerSerial())
	assert.Nil(t, c.DataBundle())

	var nilTrackable *trackable.Trackable
	assert.PanicsWithValue(t,
		"trackable: SetTracker on a nil object: call it on a pointer to a struct that embeds trackable.Trackable",
		func() { nilTrackable.SetTracker(nil) })
	assert.PanicsWithValue(t,
		"trackable: SetDataBundle on a nil object: call it on a pointer to a struct that embeds trackable.Trackable",
		func() { nilTrackable.SetDataBundle(1) })
	assert.Zero(t, nilTrackable.TrackerSerial())
	assert.Nil(t, nilTrackable.Tracker())
	assert.Nil(t, nilTrackable.DataBundle())
}
