package leakcheck

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/ancestry"
)

// A traceback as runtime.Stack writes it, with what the runtime adds to a
// header: the wait, a locked thread, and the labels of
// GODEBUG=tracebacklabels=1.
const tracebackText = `goroutine 1 [running]:
main.main()
	/tmp/pp/main.go:30 +0x1d

goroutine 7 [chan receive, 3 minutes, locked to thread]:
main.worker(...)
	/tmp/pp/main.go:12
main.start.func1()
	/tmp/pp/main.go:17 +0x64
created by main.start in goroutine 1
	/tmp/pp/main.go:16 +0x88

goroutine 8 [select labels:{"objtrack.check": "42", "user": "x, with y"}]:
main.serve()
	/tmp/pp/main.go:40 +0x20
created by main.main in goroutine 1
	/tmp/pp/main.go:25 +0x30
[originating from goroutine 1]:
main.main()
	/tmp/pp/main.go:25 +0x30

goroutine 9 gp=0xc000007c00 m=nil [semacquire]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/go/src/runtime/proc.go:460 +0xce
sync.runtime_SemacquireWaitGroup(0x0?, 0x0?)
	/go/src/runtime/sema.go:114 +0x2e
main.wait()
	/tmp/pp/main.go:50 +0x10
runtime.goexit({})
	/go/src/runtime/asm_amd64.s:1771 +0x1
created by main.main in goroutine 1
	/tmp/pp/main.go:26 +0x40
`

func TestParseGoroutinesReadsHeadersFramesAndCreators(t *testing.T) {
	gs := parseGoroutines(tracebackText)
	require.Len(t, gs, 4)

	main := gs[0]
	assert.Equal(t, 1, main.id)
	assert.Equal(t, "running", main.state)
	assert.Nil(t, main.createdBy, "the main goroutine was started by no go statement")
	assert.Equal(t, []Frame{{Function: "main.main", File: "/tmp/pp/main.go", Line: 30}}, main.frames)

	w := gs[1]
	assert.Equal(t, 7, w.id)
	assert.Equal(t, "chan receive, locked to thread", w.state, "the wait is apart")
	assert.Equal(t, 3, w.wait)
	assert.False(t, w.labelled)
	assert.Equal(t, []Frame{
		{Function: "main.worker", File: "/tmp/pp/main.go", Line: 12}, // inlined: no offset
		{Function: "main.start.func1", File: "/tmp/pp/main.go", Line: 17},
	}, w.frames)
	assert.Equal(t, &Frame{Function: "main.start", File: "/tmp/pp/main.go", Line: 16}, w.createdBy)
	assert.Equal(t, 1, w.creator)
	assert.Equal(t, []string{"main.worker", "main.start.func1"}, w.own())

	l := gs[2]
	assert.Equal(t, "select", l.state, "the labels are apart")
	assert.True(t, l.labelled)
	assert.Equal(t, "42", l.label)
	assert.Equal(t, []string{"main.serve"}, l.own(), "the ancestors' traceback is not the goroutine's stack")
	assert.Equal(t, &Frame{Function: "main.main", File: "/tmp/pp/main.go", Line: 25}, l.createdBy)

	sys := gs[3]
	assert.Equal(t, 9, sys.id)
	assert.Equal(t, "semacquire", sys.state, "GOTRACEBACK=all writes gp= and m= before the state")
	assert.Equal(t, []string{"sync.runtime_SemacquireWaitGroup", "main.wait"}, sys.own(),
		"as the goroutine profile: no runtime frames on top, no runtime.goexit")
}

func TestParseGoroutinesReadsGoleakHeaders(t *testing.T) {
	text := "found unexpected goroutines:\n[Goroutine 12 in state chan receive, 2 minutes, with main.worker on top of the stack:\n" +
		"main.worker(...)\n\t/tmp/pp/main.go:12\ncreated by main.start in goroutine 3\n\t/tmp/pp/main.go:16 +0x88\n" +
		" Goroutine 13 in state select, with main.serve on top of the stack:\nmain.serve()\n\t/tmp/pp/main.go:40 +0x20\n" +
		"created by main.main in goroutine 1\n\t/tmp/pp/main.go:25 +0x30\n]"
	gs := parseGoroutines(text)
	require.Len(t, gs, 2)
	assert.Equal(t, 12, gs[0].id)
	assert.Equal(t, "chan receive", gs[0].state)
	assert.Equal(t, 2, gs[0].wait)
	assert.Equal(t, 3, gs[0].creator)
	assert.Equal(t, &Frame{Function: "main.start", File: "/tmp/pp/main.go", Line: 16}, gs[0].createdBy)
	assert.Equal(t, 13, gs[1].id)
	assert.Equal(t, []Frame{{Function: "main.serve", File: "/tmp/pp/main.go", Line: 40}}, gs[1].frames)
}

// dumpOf is a goroutine of a traceback, made up for joinGoroutines.
func dumpOf(id, creator int, state string, fns ...string) goroutineDump {
	d := goroutineDump{id: id, creator: creator, state: state, functions: fns}
	for i, fn := range fns {
		d.frames = append(d.frames, Frame{Function: fn, File: "/src/x.go", Line: 10 + i})
	}
	if creator != 0 {
		d.createdBy = &Frame{Function: "x.start", File: "/src/x.go", Line: 5}
		d.functions = append(d.functions, "x.start")
	}
	d.trace = "x\n"
	return d
}

func groupOf(count int, label string, shared int, fns ...string) group {
	g := group{count: count, label: label, shared: shared}
	for _, fn := range fns {
		g.frames = append(g.frames, Frame{Function: fn, File: "/src/x.go", Line: 10})
	}
	return g
}

func testScope(num uint32, goid int) *scope {
	return &scope{num: num, goid: goid, cfg: buildConfig(nil)}
}

func TestJoinGoroutinesTakesEveryGoroutineOfAStackNoOtherTestHas(t *testing.T) {
	var all []goroutineDump
	for id := 10; id < 20; id++ {
		all = append(all, dumpOf(id, 3, "chan receive", "x.worker"))
	}
	all = append(all, dumpOf(30, 4, "select", "x.other"))
	got := joinGoroutines(testScope(1, 0), []group{groupOf(10, "1", 10, "x.worker")}, all)
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
	all := []goroutineDump{
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
	other.fn = "x.TestOther"
	addFunctionScope(other)
	defer removeFunctionScope(other)
	got := joinGoroutines(testScope(1, 3), []group{groupOf(2, "1", 4, "x.worker")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].Count)
	assert.Equal(t, []int{10, 12}, got[0].IDs)
	assert.Equal(t, 5, got[0].CreatedIn)
	assert.Zero(t, got[0].Unknown)
}

func TestJoinGoroutinesCountsWhatItCannotTellApart(t *testing.T) {
	// The goroutines that started the workers have ended: nothing says
	// which of the five are the judged test's three.
	var all []goroutineDump
	for id := 10; id < 15; id++ {
		all = append(all, dumpOf(id, 100+id%2, "chan receive", "x.worker"))
	}
	got := joinGoroutines(testScope(1, 3), []group{groupOf(3, "1", 5, "x.worker")}, all)
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
	got = joinGoroutines(testScope(1, 3), []group{groupOf(3, "1", 6, "x.worker")}, all)
	require.Len(t, got, 2)
	assert.Equal(t, 2, got[0].Unknown, "the larger entry first")
	assert.Equal(t, []int{20}, got[1].IDs, "the known one, told apart by its creator")
	assert.Zero(t, got[1].Unknown)
	assert.Equal(t, 3, got[0].Count+got[1].Count)
}

func TestJoinGoroutinesKeepsGoroutinesThatEndedMeanwhile(t *testing.T) {
	// The profile counted two; the traceback, taken after, has none with
	// that stack: the verdict still says two, with the profile's frames.
	all := []goroutineDump{dumpOf(10, 3, "chan receive", "x.other")}
	got := joinGoroutines(testScope(1, 3), []group{groupOf(2, "1", 2, "x.worker", "x.run")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].Count)
	assert.Equal(t, 2, got[0].Unknown)
	assert.Empty(t, got[0].State)
	assert.Equal(t, []Frame{{Function: "x.worker", File: "/src/x.go", Line: 10}, {Function: "x.run", File: "/src/x.go", Line: 10}}, got[0].Frames)
}

func TestJoinGoroutinesReadsTracebackLabels(t *testing.T) {
	// With labels in the traceback, they decide, whoever started the
	// goroutines.
	var all []goroutineDump
	for id := 10; id < 15; id++ {
		d := dumpOf(id, 100, "chan receive", "x.worker")
		d.labelled = true
		if id%2 == 0 {
			d.label = "1"
		} else {
			d.label = "2"
		}
		all = append(all, d)
	}
	unlabelled := dumpOf(16, 100, "chan receive", "x.worker")
	unlabelled.labelled = true
	all = append(all, unlabelled)
	got := joinGoroutines(testScope(1, 3), []group{groupOf(3, "1", 6, "x.worker")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, []int{10, 12, 14}, got[0].IDs, "the unlabelled one is not the test's: its group is not")
	assert.Zero(t, got[0].Unknown)

	got = joinGoroutines(testScope(1, 3), []group{groupOf(3, "1", 6, "x.worker"), groupOf(1, "", 6, "x.worker")}, all)
	require.Len(t, got, 1)
	assert.Equal(t, []int{10, 12, 14, 16}, got[0].IDs, "the unlabelled one's group is the test's")
}

func TestGroupGoroutinesSplitsByFramesCreatorAndState(t *testing.T) {
	a := dumpOf(10, 3, "chan receive", "x.worker")
	b := dumpOf(11, 4, "chan receive", "x.worker") // another parent, same site
	b.wait = 7
	c := dumpOf(12, 3, "select", "x.worker")
	d := dumpOf(13, 3, "chan receive", "x.worker")
	d.frames[0].Line = 99
	e := dumpOf(9, 3, "chan receive", "x.worker")
	got := sortGoroutines(groupGoroutines([]*goroutineDump{&a, &b, &c, &d, &e}, 1))
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

// The runtime writes the labels into its traceback with
// GODEBUG=tracebacklabels=1: the parser must read them as the runtime
// writes them, which this checks against the runtime itself.
func TestParseGoroutinesReadsTheRuntimesLabels(t *testing.T) {
	t.Setenv("GODEBUG", "tracebacklabels=1")
	var wg sync.WaitGroup
	release := make(chan struct{})
	defer func() { close(release); wg.Wait() }()
	started := make(chan int)
	wg.Go(func() {
		_, previous := ancestry.Mark("4242")
		defer ancestry.Restore(previous)
		wg.Go(func() { // carries the label it was started with
			started <- currentGoroutine().id
			<-release
		})
	})
	id := <-started
	var found []goroutineDump
	for _, d := range allGoroutines() {
		if d.id == id {
			found = append(found, d)
		}
	}
	require.Len(t, found, 1, "goroutine %d", id)
	assert.True(t, found[0].labelled)
	assert.Equal(t, "4242", found[0].label)
	assert.NotContains(t, found[0].state, "labels")
	assert.Contains(t, []string{"chan receive", "running", "runnable"}, found[0].state)
}

// The profile counts, for each group, the goroutines of every label with
// the same functions: those of another test make the traceback's ids
// ambiguous.
func TestParseProfileCountsStacksSharedAcrossLabels(t *testing.T) {
	const text = `goroutine profile: total 9
3 @ 0x47f70e 0x4de979 0x485da1
# labels: {"objtrack.check":"3"}
#	0x4de978	main.worker+0x18	/tmp/pp/main.go:12

4 @ 0x47f70e 0x4de979 0x485da1
# labels: {"objtrack.check":"4"}
#	0x4de978	main.worker+0x18	C:/pp/main.go:12

2 @ 0x47f70e 0x4de945 0x485da1
#	0x4de944	main.worker+0x64	/tmp/pp/main.go:17

1 @ 0x47f70e 0x4de945 0x485da1
# labels: {"objtrack.check":"3"}
#	0x4de944	main.other+0x64	/tmp/pp/main.go:30
`
	byLabel := parseProfile(text)
	require.Len(t, byLabel["3"], 2)
	assert.Equal(t, "3", byLabel["3"][0].label)
	assert.Equal(t, 9, byLabel["3"][0].shared, "3 of test 3, 4 of test 4 and 2 without a label, at any line")
	assert.Equal(t, 1, byLabel["3"][1].shared)
	require.Len(t, byLabel[""], 1)
	assert.Equal(t, 9, byLabel[""][0].shared)

	// The profile's frames are the entry's when the traceback has none of
	// them, on any system's paths.
	g := unknownGoroutines(4, byLabel["4"][0].frames, nil)
	assert.Equal(t, []Frame{{Function: "main.worker", File: "C:/pp/main.go", Line: 12}}, g.Frames)
}
