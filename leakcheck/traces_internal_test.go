package leakcheck

import (
	"testing"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/owner"
	"github.com/objtrack/objtrack/internal/stack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dumpOf is a goroutine of a traceback, made up for joinGoroutines.
func dumpOf(id, creator int, state string, fns ...string) goroutines.Trace {
	d := goroutines.Trace{ID: id, Creator: creator, State: state, Functions: fns}
	for i, fn := range fns {
		d.Frames = append(d.Frames, stack.Frame{Function: fn, File: "/src/x.go", Line: 10 + i})
	}
	if creator != 0 {
		d.CreatedBy = &stack.Frame{Function: "x.start", File: "/src/x.go", Line: 5}
		d.Functions = append(d.Functions, "x.start")
	}
	d.Text = "x\n"
	return d
}

func groupOf(count int, label string, shared int, fns ...string) goroutines.Group {
	g := goroutines.Group{Count: count, Label: label, Shared: shared}
	for _, fn := range fns {
		g.Frames = append(g.Frames, stack.Frame{Function: fn, File: "/src/x.go", Line: 10})
	}
	return g
}

func testScope(num uint32, goid int) *scope {
	return &scope{Owner: owner.Owner{Num: num, Goroutine: goid}, cfg: buildConfig(nil)}
}

func TestJoinGoroutinesTakesEveryGoroutineOfAStackNoOtherTestHas(t *testing.T) {
	var all []goroutines.Trace
	for id := 10; id < 20; id++ {
		all = append(all, dumpOf(id, 3, "chan receive", "x.worker"))
	}
	all = append(all, dumpOf(30, 4, "select", "x.other"))
	got := joinGoroutines(testScope(1, 0), []goroutines.Group{groupOf(10, "1", 10, "x.worker")}, all)
	require.Len(t, got, 1)
	g := got[0]
	assert.Equal(t, 10, g.Count)
	assert.Equal(t, 10, g.ID)
	assert.Equal(t, []int{10, 11, 12, 13, 14}, g.IDs, "MaxShown of them, the lowest first")
	assert.Equal(t, 5, g.More)
	assert.Zero(t, g.Unknown)
	assert.Equal(t, "chan receive", g.State)
	assert.Equal(t, &Frame{Function: "x.start", File: "/src/x.go", Line: 5}, g.CreatedBy)
	assert.Equal(t, 3, g.CreatedIn)
	assert.Equal(t, []Frame{{Function: "x.worker", File: "/src/x.go", Line: 10}}, g.Frames)
}

func TestJoinGoroutinesTellsTestsApartByWhoStartedThem(t *testing.T) {
	// Test goroutine 3 (judged) and 4 (another running test) each started
	// a worker, which started goroutines blocked in x.worker.
	all := []goroutines.Trace{
		dumpOf(3, 1, "chan receive", "testing.(*T).Run"),
		dumpOf(4, 1, "chan receive", "testing.(*T).Run"),
		dumpOf(5, 3, "select", "x.pool"),
		dumpOf(6, 4, "select", "x.pool"),
		dumpOf(10, 5, "chan receive", "x.worker"),
		dumpOf(11, 6, "chan receive", "x.worker"),
		dumpOf(12, 5, "chan receive", "x.worker"),
		dumpOf(13, 4, "chan receive", "x.worker"),
	}
	other := testScope(2, 4)
	other.Function = "x.TestOther"
	owners.Begin(&other.Owner)
	defer owners.End(&other.Owner)
	got := joinGoroutines(testScope(1, 3), []goroutines.Group{groupOf(2, "1", 4, "x.worker")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].Count)
	assert.Equal(t, []int{10, 12}, got[0].IDs)
	assert.Equal(t, 5, got[0].CreatedIn)
	assert.Zero(t, got[0].Unknown)
}

func TestJoinGoroutinesCountsWhatItCannotTellApart(t *testing.T) {
	// The goroutines that started the workers have ended: nothing says
	// which of the five are the judged test's three.
	var all []goroutines.Trace
	for id := 10; id < 15; id++ {
		all = append(all, dumpOf(id, 100+id%2, "chan receive", "x.worker"))
	}
	got := joinGoroutines(testScope(1, 3), []goroutines.Group{groupOf(3, "1", 5, "x.worker")}, all)
	require.Len(t, got, 1)
	g := got[0]
	assert.Equal(t, 3, g.Count)
	assert.Zero(t, g.ID)
	assert.Empty(t, g.IDs)
	assert.Equal(t, 3, g.More)
	assert.Equal(t, 3, g.Unknown)
	assert.Equal(t, "chan receive", g.State, "all of them share it")
	assert.Equal(t, &Frame{Function: "x.start", File: "/src/x.go", Line: 5}, g.CreatedBy)
	assert.Zero(t, g.CreatedIn)
	assert.Contains(t, g.Stack, "created by x.start")

	// Some are known: the rest are counted.
	all = append(all, dumpOf(20, 3, "chan receive", "x.worker"))
	got = joinGoroutines(testScope(1, 3), []goroutines.Group{groupOf(3, "1", 6, "x.worker")}, all)
	require.Len(t, got, 2)
	assert.Equal(t, 2, got[0].Unknown, "the larger entry first")
	assert.Equal(t, []int{20}, got[1].IDs, "the known one, told apart by its creator")
	assert.Zero(t, got[1].Unknown)
	assert.Equal(t, 3, got[0].Count+got[1].Count)
}

func TestJoinGoroutinesKeepsGoroutinesThatEndedMeanwhile(t *testing.T) {
	// The profile counted two; the traceback, taken after, has none with
	// that stack: the verdict still says two, with the profile's frames.
	all := []goroutines.Trace{dumpOf(10, 3, "chan receive", "x.other")}
	got := joinGoroutines(testScope(1, 3), []goroutines.Group{groupOf(2, "1", 2, "x.worker", "x.run")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].Count)
	assert.Equal(t, 2, got[0].Unknown)
	assert.Empty(t, got[0].State)
	assert.Equal(t, []Frame{{Function: "x.worker", File: "/src/x.go", Line: 10}, {Function: "x.run", File: "/src/x.go", Line: 10}}, got[0].Frames)
}

func TestJoinGoroutinesReadsTracebackLabels(t *testing.T) {
	// With labels in the traceback, they decide, whoever started the
	// goroutines.
	var all []goroutines.Trace
	for id := 10; id < 15; id++ {
		d := dumpOf(id, 100, "chan receive", "x.worker")
		d.Labelled = true
		if id%2 == 0 {
			d.Label = "1"
		} else {
			d.Label = "2"
		}
		all = append(all, d)
	}
	unlabelled := dumpOf(16, 100, "chan receive", "x.worker")
	unlabelled.Labelled = true
	all = append(all, unlabelled)
	got := joinGoroutines(testScope(1, 3), []goroutines.Group{groupOf(3, "1", 6, "x.worker")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, []int{10, 12, 14}, got[0].IDs, "the unlabelled one is not the test's: its group is not")
	assert.Zero(t, got[0].Unknown)

	got = joinGoroutines(testScope(1, 3), []goroutines.Group{groupOf(3, "1", 6, "x.worker"), groupOf(1, "", 6, "x.worker")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, []int{10, 12, 14, 16}, got[0].IDs, "the unlabelled one's group is the test's")
}

func TestGroupGoroutinesSplitsByFramesCreatorAndState(t *testing.T) {
	a := dumpOf(10, 3, "chan receive", "x.worker")
	b := dumpOf(11, 4, "chan receive", "x.worker") // another parent, same site
	b.Wait = 7
	c := dumpOf(12, 3, "select", "x.worker")
	d := dumpOf(13, 3, "chan receive", "x.worker")
	d.Frames[0].Line = 99
	e := dumpOf(9, 3, "chan receive", "x.worker")
	got := sortGoroutines(groupGoroutines([]*goroutines.Trace{&a, &b, &c, &d, &e}, 1))
	require.Len(t, got, 3)
	assert.Equal(t, 3, got[0].Count)
	assert.Equal(t, 9, got[0].ID, "the lowest id")
	assert.Equal(t, []int{9}, got[0].IDs, "MaxShown(1)")
	assert.Equal(t, 2, got[0].More)
	assert.Equal(t, 7, got[0].WaitMinutes, "the longest")
	assert.Zero(t, got[0].CreatedIn, "started by different goroutines")
	assert.Equal(t, []int{12}, got[1].IDs)
	assert.Equal(t, "select", got[1].State)
	assert.Equal(t, []int{13}, got[2].IDs)
}

// The profile's frames are the entry's when the traceback has none of
// them, on any system's paths.
func TestUnknownGoroutinesTakeTheProfilesFrames(t *testing.T) {
	const text = `goroutine profile: total 4
4 @ 0x47f70e 0x4de979 0x485da1
# labels: {"objtrack.check":"4"}
#	0x4de978	main.worker+0x18	C:/pp/main.go:12
`
	byLabel := goroutines.ParseProfile(text)
	require.Len(t, byLabel["4"], 1)
	g := unknownGoroutines(4, byLabel["4"][0].Frames, nil)
	assert.Equal(t, []Frame{{Function: "main.worker", File: "C:/pp/main.go", Line: 12}}, g.Frames)
}
