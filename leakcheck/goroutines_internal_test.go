package leakcheck

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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
	got := parseProfile(profileText)["3"]
	require.Len(t, got, 2, "the group right after the header counts too; label 33 is not 3")
	assert.Equal(t, 5, got[0].count)
	assert.Equal(t, []Frame{{Function: "main.worker", File: "/tmp/pp/main.go", Line: 12}}, got[0].frames)
	assert.Equal(t, []string{"os/signal.signal_recv", "os/signal.loop"}, got[1].functions())
	assert.True(t, ignoredByDefault(got[1].functions()), "the os/signal loop is the runtime's")
	assert.False(t, ignoredByDefault(got[0].functions()))

	other := parseProfile(profileText)["33"]
	require.Len(t, other, 1)
	assert.Equal(t, 2, other[0].count)

	unlabelled := parseProfile(profileText)[""]
	require.Len(t, unlabelled, 1)
	assert.Equal(t, []string{"main.main"}, unlabelled[0].functions())
}

func worker(c chan int) { <-c }

// goleak's errors quote each goroutine under a header of its own: the
// parser must read them, or GoroutineOptions would ignore nothing. This
// runs goleak itself, so that a release that changes the wording fails
// here.
func TestParseGoroutinesReadsGoleak(t *testing.T) {
	c := make(chan int)
	defer close(c)
	go worker(c)
	go func() { go worker(c) }()
	var found []goroutineDump
	for range 100 { // until both have started
		found = nil
		if err := goleak.Find(); err != nil {
			for _, d := range parseGoroutines(err.Error()) {
				if slices.Equal(d.own(), []string{"github.com/objtrack/objtrack/leakcheck.worker"}) {
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
		assert.Positive(t, d.id)
		assert.Equal(t, "chan receive", d.state)
		assert.Contains(t, d.trace, "created by ")
	}
}

func TestParseGoroutinesReadsRuntimeStack(t *testing.T) {
	all := allGoroutines()
	require.NotEmpty(t, all)
	assert.Equal(t, "running", all[0].state, "runtime.Stack lists the caller first")
	assert.Contains(t, all[0].functions, "github.com/objtrack/objtrack/leakcheck.TestParseGoroutinesReadsRuntimeStack")
}
