package leakcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
)

// The dump that verdicts share stays open while its graph is in use (to
// name timers), and is closed once the graph is garbage: a suite of
// failing tests does not pile up open dumps.
func TestSharedDumpIsClosedWithItsGraph(t *testing.T) {
	count := func() int {
		t.Helper()
		n, err := openDumps()
		if err != nil {
			t.Skipf("the system does not list open files: %v", err)
		}
		return n
	}
	settle.Settle(10 * time.Second) // the dumps of earlier tests
	before := count()
	for range 3 {
		r := dumpGraph()
		if r.err != nil {
			t.Fatal(r.err)
		}
		if n := count(); n != before+1 {
			t.Fatalf("%d files open while a graph is in use, want %d", n, before+1)
		}
		r = dumpResult{}
		if res := settle.Settle(10 * time.Second); !res.Settled {
			t.Fatalf("the cleanups did not run: %+v", res)
		}
		if n := count(); n != before {
			t.Fatalf("%d files open once the graph is garbage, want %d", n, before)
		}
	}
}

// openDumps counts the heap dumps this process has open, by the names
// that /proc/self/fd gives its files (a dump without a name is listed as
// "heapdump-N.dump (deleted)").
func openDumps() (int, error) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.Contains(filepath.Base(target), "heapdump-") {
			n++
		}
	}
	return n, nil
}
