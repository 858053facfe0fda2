// Package speccost measures what ginkgoext.CheckSpecs costs a Ginkgo
// suite of the shape Ginkgo teaches (testdata/suite: 200 specs, each
// container's variable set in BeforeEach and closed by DeferCleanup),
// as whole go test processes: the suite runs with the variable closed
// and not cleared (closed), with c = nil added (cleared: nothing
// survives a spec), and without CheckSpecs (none), each run timed from
// start to exit. The ratio closed/cleared is taken within one iteration
// of all three, so that a machine that slows down for a while slows
// every mode alike.
//
// Run it with make bench-specs.
package speccost

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/testsupport/gotest"
)

var modes = []string{"none", "cleared", "closed"}

// build builds the suite once per test binary.
func build(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "suite.test")
	if err := gotest.Build(bin, "./testdata/suite"); err != nil {
		tb.Fatal(err)
	}
	return bin
}

var dumpsLine = regexp.MustCompile(`(?m)^heap dumps: (\d+)$`)

// run runs the suite in one mode, and returns how long the process took
// and the heap dumps it wrote.
func run(tb testing.TB, bin, mode string) (time.Duration, int) {
	tb.Helper()
	cmd := exec.Command(bin, "-ginkgo.no-color")
	cmd.Dir = "testdata/suite"
	cmd.Env = append(os.Environ(), "SPECCOST_MODE="+mode)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		tb.Fatalf("the suite in mode %s: %v\n%s", mode, err, out)
	}
	m := dumpsLine.FindSubmatch(out)
	if m == nil {
		tb.Fatalf("the suite in mode %s printed no heap dump count:\n%s", mode, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return took, n
}

// The suite passes in every mode, and a verdict that passes writes at
// most one heap dump per suite: none when nothing survives a spec, one at
// the end of the suite when container variables hold their last
// connections.
func TestOneHeapSearchPerSuite(t *testing.T) {
	bin := build(t)
	for mode, want := range map[string]int{"none": 0, "cleared": 0, "closed": 1} {
		if _, dumps := run(t, bin, mode); dumps != want {
			t.Errorf("mode %s: %d heap dumps, want %d", mode, dumps, want)
		}
	}
}

// BenchmarkContainerVariables reports the medians over its iterations of
// closed/cleared (the bar: at most 1.5), of cleared/none, and of the
// closed suite's time in seconds.
func BenchmarkContainerVariables(b *testing.B) {
	bin := build(b)
	var closedCleared, clearedNone, closed []float64
	for b.Loop() {
		took := map[string]time.Duration{}
		for _, mode := range modes {
			took[mode], _ = run(b, bin, mode)
		}
		closedCleared = append(closedCleared, took["closed"].Seconds()/took["cleared"].Seconds())
		clearedNone = append(clearedNone, took["cleared"].Seconds()/took["none"].Seconds())
		closed = append(closed, took["closed"].Seconds())
	}
	b.ReportMetric(median(closedCleared), "closed/cleared")
	b.ReportMetric(median(clearedNone), "cleared/none")
	b.ReportMetric(median(closed), "closed-s")
	b.ReportMetric(0, "ns/op")
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}
