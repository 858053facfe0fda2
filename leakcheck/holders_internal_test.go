package leakcheck

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/objtrack/objtrack/internal/heapdump"
)

// A report's path lists the objects between the root and the survivor,
// the tracked ones by name, and shortens a long one in the middle.
func TestHolderOfNamesTrackedStepsAndShortensLongPaths(t *testing.T) {
	steps := func(n int) []heapdump.Step {
		out := make([]heapdump.Step, n)
		for i := range out {
			out[i] = heapdump.Step{Addr: uint64(0x1000 * (i + 1)), Size: uint64(16 * (i + 1))}
		}
		return out
	}
	root := heapdump.Root{Kind: heapdump.RootGlobal, Global: &heapdump.GlobalRoot{Name: "example.com/db.registry"}}
	names := map[uint64]string{0x2000: "*db.Pool  serial 7"}

	short := holderOf(heapdump.Path{Root: root, Steps: steps(4)}, names, nil)
	assert.Equal(t, "global  db.registry", short.Root)
	assert.Equal(t, []string{"16 B object", "*db.Pool  serial 7 (32 B)", "48 B object"}, short.Via, "the last step, the survivor, is the report's own line")

	long := holderOf(heapdump.Path{Root: root, Steps: steps(maxVia + 6)}, names, nil)
	want := []string{"16 B object", "*db.Pool  serial 7 (32 B)", "48 B object", "64 B object",
		fmt.Sprintf("... %d more ...", 5)}
	for i := maxVia + 5 - maxVia/2; i < maxVia+5; i++ {
		want = append(want, fmt.Sprintf("%d B object", 16*(i+1)))
	}
	assert.Equal(t, want, long.Via)

	direct := holderOf(heapdump.Path{Root: root, Steps: steps(1)}, names, nil)
	assert.Empty(t, direct.Via, "a root that holds the survivor itself has no steps between")
}
