package goroutines

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/stack"
)

// The goroutine profile as pprof writes it with debug=1: the first group
// follows the header line at once, without a blank line.
const profileText = `goroutine profile: total 9
5 @ 0x47f70e 0x4158ee 0x415432 0x4de979 0x485da1
# labels: {"objtrack.check":"3"}
#	0x4de978	main.worker+0x18	/tmp/pp/main.go:12

1 @ 0x41b849 0x480e38 0x4a16d3 0x485da1
# labels: {"objtrack.check":"3"}
#	0x480e37	os/signal.signal_recv+0x97	/usr/local/go/src/runtime/sigqueue.go:152
#	0x4a16d2	os/signal.loop+0x12		/usr/local/go/src/os/signal/signal_unix.go:23

2 @ 0x47f70e 0x482a85 0x4de945 0x485da1
# labels: {"objtrack.check":"33", "user":"x"}
#	0x482a84	time.Sleep+0x164	/usr/local/go/src/runtime/time.go:363
#	0x4de944	main.main.func1.1+0x64	/tmp/pp/main.go:17

1 @ 0x442931 0x47eafd 0x4caeb1 0x485da1
#	0x4de78f	main.main+0xcf				/tmp/pp/main.go:22
`

func TestParseProfileFindsEveryGroupWithTheLabel(t *testing.T) {
	got := ParseProfile(profileText)["3"]
	require.Len(t, got, 2, "the group right after the header counts too; label 33 is not 3")
	assert.Equal(t, 5, got[0].Count)
	assert.Equal(t, []stack.Frame{{Function: "main.worker", File: "/tmp/pp/main.go", Line: 12}}, got[0].Frames)
	assert.Equal(t, []string{"os/signal.signal_recv", "os/signal.loop"}, got[1].Functions())
	assert.True(t, IgnoredByDefault(got[1].Functions()), "the os/signal loop is the runtime's")
	assert.False(t, IgnoredByDefault(got[0].Functions()))

	other := ParseProfile(profileText)["33"]
	require.Len(t, other, 1)
	assert.Equal(t, 2, other[0].Count)

	unlabelled := ParseProfile(profileText)[""]
	require.Len(t, unlabelled, 1)
	assert.Equal(t, []string{"main.main"}, unlabelled[0].Functions())
}

func worker(c chan int) { <-c }

// goleak's errors quote each goroutine under a header of its own: the
// parser must read them, or GoroutineOptions would ignore nothing. This
// runs goleak itself, so that a release that changes the wording fails
// here.
func TestParseReadsGoleak(t *testing.T) {
	c := make(chan int)
	defer close(c)
	go worker(c)
	go func() { go worker(c) }()
	var found []Trace
	for range 100 { // until both have started
		found = nil
		if err := goleak.Find(); err != nil {
			for _, d := range Parse(err.Error()) {
				if slices.Equal(d.Own(), []string{"github.com/objtrack/objtrack/internal/goroutines.worker"}) {
					found = append(found, d)
				}
			}
		}
		if len(found) == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	require.Len(t, found, 2)
	for _, d := range found {
		assert.Positive(t, d.ID)
		assert.Equal(t, "chan receive", d.State)
		assert.Contains(t, d.Text, "created by ")
	}
}

func TestParseReadsRuntimeStack(t *testing.T) {
	all := All()
	require.NotEmpty(t, all)
	assert.Equal(t, "running", all[0].State, "runtime.Stack lists the caller first")
	assert.Contains(t, all[0].Functions, "github.com/objtrack/objtrack/internal/goroutines.TestParseReadsRuntimeStack")
}

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

func TestParseReadsHeadersFramesAndCreators(t *testing.T) {
	gs := Parse(tracebackText)
	require.Len(t, gs, 4)

	main := gs[0]
	assert.Equal(t, 1, main.ID)
	assert.Equal(t, "running", main.State)
	assert.Nil(t, main.CreatedBy, "the main goroutine was started by no go statement")
	assert.Equal(t, []stack.Frame{{Function: "main.main", File: "/tmp/pp/main.go", Line: 30}}, main.Frames)

	w := gs[1]
	assert.Equal(t, 7, w.ID)
	assert.Equal(t, "chan receive, locked to thread", w.State, "the wait is apart")
	assert.Equal(t, 3, w.Wait)
	assert.False(t, w.Labelled)
	assert.Equal(t, []stack.Frame{
		{Function: "main.worker", File: "/tmp/pp/main.go", Line: 12}, // inlined: no offset
		{Function: "main.start.func1", File: "/tmp/pp/main.go", Line: 17},
	}, w.Frames)
	assert.Equal(t, &stack.Frame{Function: "main.start", File: "/tmp/pp/main.go", Line: 16}, w.CreatedBy)
	assert.Equal(t, 1, w.Creator)
	assert.Equal(t, []string{"main.worker", "main.start.func1"}, w.Own())

	l := gs[2]
	assert.Equal(t, "select", l.State, "the labels are apart")
	assert.True(t, l.Labelled)
	assert.Equal(t, "42", l.Label)
	assert.Equal(t, []string{"main.serve"}, l.Own(), "the ancestors' traceback is not the goroutine's stack")
	assert.Equal(t, &stack.Frame{Function: "main.main", File: "/tmp/pp/main.go", Line: 25}, l.CreatedBy)

	sys := gs[3]
	assert.Equal(t, 9, sys.ID)
	assert.Equal(t, "semacquire", sys.State, "GOTRACEBACK=all writes gp= and m= before the state")
	assert.Equal(t, []string{"sync.runtime_SemacquireWaitGroup", "main.wait"}, sys.Own(),
		"as the goroutine profile: no runtime frames on top, no runtime.goexit")
}

func TestParseReadsGoleakHeaders(t *testing.T) {
	text := "found unexpected goroutines:\n[Goroutine 12 in state chan receive, 2 minutes, with main.worker on top of the stack:\n" +
		"main.worker(...)\n\t/tmp/pp/main.go:12\ncreated by main.start in goroutine 3\n\t/tmp/pp/main.go:16 +0x88\n" +
		" Goroutine 13 in state select, with main.serve on top of the stack:\nmain.serve()\n\t/tmp/pp/main.go:40 +0x20\n" +
		"created by main.main in goroutine 1\n\t/tmp/pp/main.go:25 +0x30\n]"
	gs := Parse(text)
	require.Len(t, gs, 2)
	assert.Equal(t, 12, gs[0].ID)
	assert.Equal(t, "chan receive", gs[0].State)
	assert.Equal(t, 2, gs[0].Wait)
	assert.Equal(t, 3, gs[0].Creator)
	assert.Equal(t, &stack.Frame{Function: "main.start", File: "/tmp/pp/main.go", Line: 16}, gs[0].CreatedBy)
	assert.Equal(t, 13, gs[1].ID)
	assert.Equal(t, []stack.Frame{{Function: "main.serve", File: "/tmp/pp/main.go", Line: 40}}, gs[1].Frames)
}

// The runtime writes the labels into its traceback with
// GODEBUG=tracebacklabels=1: the parser must read them as the runtime
// writes them, which this checks against the runtime itself.
func TestParseReadsTheRuntimesLabels(t *testing.T) {
	t.Setenv("GODEBUG", "tracebacklabels=1")
	var wg sync.WaitGroup
	release := make(chan struct{})
	defer func() { close(release); wg.Wait() }()
	started := make(chan int)
	wg.Go(func() {
		_, previous := ancestry.Mark("4242")
		defer ancestry.Restore(previous)
		wg.Go(func() { // carries the label it was started with
			started <- Current().ID
			<-release
		})
	})
	id := <-started
	var found []Trace
	for _, d := range All() {
		if d.ID == id {
			found = append(found, d)
		}
	}
	require.Len(t, found, 1, "goroutine %d", id)
	assert.True(t, found[0].Labelled)
	assert.Equal(t, "4242", found[0].Label)
	assert.NotContains(t, found[0].State, "labels")
	assert.Contains(t, []string{"chan receive", "running", "runnable"}, found[0].State)
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
	byLabel := ParseProfile(text)
	require.Len(t, byLabel["3"], 2)
	assert.Equal(t, "3", byLabel["3"][0].Label)
	assert.Equal(t, 9, byLabel["3"][0].Shared, "3 of test 3, 4 of test 4 and 2 without a label, at any line")
	assert.Equal(t, 1, byLabel["3"][1].Shared)
	require.Len(t, byLabel[""], 1)
	assert.Equal(t, 9, byLabel[""][0].Shared)

}
