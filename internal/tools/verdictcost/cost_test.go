// Package verdictcost measures what leak verdicts cost a user, as whole go
// test processes: the test suite in testdata/suite (200 top-level tests,
// each making and dropping 100 tracked objects) runs once with each
// verdict, and each run is timed from start to exit.
//
// The verdicts (the suite's modes) are none, goleak (goleak.VerifyNone at
// the end of each test), gc (one runtime.GC per test, the least that any
// verdict after a collection can cost), check (leakcheck.Check) and
// check-nothing (leakcheck.Check in tests that track nothing). The figures
// that matter are these three; the ratio is taken within one run of all
// modes, so that a machine that slows down for a while slows every mode
// alike:
//
//	check-excess/gc-excess    (check - none) / (gc - none): what Check adds
//	                          to a suite, in units of one collection per test
//	                          (tests that do not run in parallel)
//	forced-gcs-check-nothing  collections forced in a suite that tracks nothing
//	forced-gcs/test           collections forced per checked test
//
// Run it with make bench-verdict.
package verdictcost

//go:generate go run ./gen -n 200 -o testdata/suite/tests_gen_test.go

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// suiteTests is the number of tests in the suite (see go:generate above).
const suiteTests = 200

// The suite's modes, in the order each iteration runs them: check and gc,
// the two whose difference matters most, run next to each other.
var (
	serialModes = []string{"none", "gc", "check", "check-nothing", "goleak"}
	// goleak.VerifyNone sees the goroutines of the other parallel tests,
	// and is not meant for parallel tests.
	parallelModes = []string{"none", "gc", "check", "check-nothing"}
)

// variant is one way to run the suite.
type variant struct {
	heapMB   int
	parallel int // the -test.parallel of a suite whose tests call t.Parallel; 0 for none
}

func (v variant) String() string {
	s := fmt.Sprintf("heap %d MB", v.heapMB)
	if v.parallel > 0 {
		s += fmt.Sprintf(", parallel tests, -test.parallel=%d", v.parallel)
	}
	return s
}

// outcome is one run of the suite.
type outcome struct {
	seconds   float64
	forcedGCs int
	tests     int
}

// buildSuite compiles the suite's test binary into dir.
func buildSuite(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(dir, "suite.test")
	out, err := exec.Command("go", "test", "-c", "-o", bin, "./testdata/suite").CombinedOutput()
	if err != nil {
		tb.Fatalf("go test -c ./testdata/suite: %v\n%s", err, out)
	}
	return bin
}

var summary = regexp.MustCompile(`(?m)^verdictcost: forced-gcs=(\d+) tests=(\d+)$`)

// runSuite runs the suite's binary once in mode and times the whole
// process. It fails unless the suite exits 0 and ran all its tests.
func runSuite(bin, mode string, v variant) (outcome, error) {
	args := []string{"-test.count=1", "-test.timeout=10m"}
	par := "0"
	if v.parallel > 0 {
		args = append(args, "-test.parallel="+strconv.Itoa(v.parallel))
		par = "1"
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"VERDICTCOST_MODE="+mode,
		"VERDICTCOST_HEAP_MB="+strconv.Itoa(v.heapMB),
		"VERDICTCOST_PARALLEL="+par,
	)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return outcome{}, fmt.Errorf("suite in mode %s (%v): %v\n%s", mode, v, err, tail(out.String()))
	}
	m := summary.FindStringSubmatch(out.String())
	if m == nil {
		return outcome{}, fmt.Errorf("suite in mode %s (%v): no verdictcost line in its output:\n%s", mode, v, tail(out.String()))
	}
	o := outcome{seconds: elapsed.Seconds()}
	o.forcedGCs, _ = strconv.Atoi(m[1])
	o.tests, _ = strconv.Atoi(m[2])
	if o.tests != suiteTests {
		return o, fmt.Errorf("suite in mode %s (%v): %d tests ran, want %d", mode, v, o.tests, suiteTests)
	}
	return o, nil
}

// tail is the end of a long output.
func tail(s string) string {
	const limit = 4000
	if len(s) > limit {
		return "..." + s[len(s)-limit:]
	}
	return s
}

func TestVerdictCostSuiteRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test suite")
	}
	bin := buildSuite(t, t.TempDir())
	for _, mode := range []string{"none", "check", "check-nothing"} {
		o, err := runSuite(bin, mode, variant{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %.2fs, %d forced collections", mode, o.seconds, o.forcedGCs)
	}
}

// TestSuiteIsGenerated checks that the suite's tests are what go generate
// writes.
func TestSuiteIsGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generator")
	}
	const committed = "testdata/suite/tests_gen_test.go"
	fresh := filepath.Join(t.TempDir(), "tests_gen_test.go")
	out, err := exec.Command("go", "run", "./gen", "-n", strconv.Itoa(suiteTests), "-o", fresh).CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, out)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what the generator writes: run go generate in internal/tools/verdictcost", committed)
	}
}

// BenchmarkVerdictCost times the suite once per mode in every iteration,
// and reports per run: the seconds of each mode (s-MODE), the forced
// collections of each mode (forced-gcs-MODE), the forced collections per
// checked test (forced-gcs/test), and exit-ok, 1 when every process passed
// (the benchmark fails otherwise). Without parallel tests it also reports
// what Check adds in units of what a collection per test adds
// (check-excess/gc-excess); with them, concurrent runtime.GC calls share
// collections, and gc is no such unit. ns/op is the time of one
// iteration: every mode once.
//
// heap=200MB keeps 200 MB of live objects with pointers during the tests,
// which makes each collection cost tens of milliseconds; heap=0MB keeps
// none. parallel=8 runs tests that all call t.Parallel, 8 at a time.
//
// One iteration of heap=200MB runs for half a minute or more on 2 cores;
// run the benchmark with -benchtime 1x.
func BenchmarkVerdictCost(b *testing.B) {
	bin := buildSuite(b, b.TempDir())
	b.Run("heap=0MB", func(b *testing.B) {
		benchmarkVariant(b, bin, variant{heapMB: 0}, serialModes)
	})
	b.Run("heap=200MB", func(b *testing.B) {
		benchmarkVariant(b, bin, variant{heapMB: 200}, serialModes)
	})
	b.Run("heap=0MB/parallel=8", func(b *testing.B) {
		benchmarkVariant(b, bin, variant{heapMB: 0, parallel: 8}, parallelModes)
	})
}

// firstMode is, for each sub-benchmark, the mode that its next iteration
// runs first. Each iteration, in the same run or the next (-count), starts
// one mode later than the one before, so that no mode always runs first.
var firstMode = map[string]int{}

func benchmarkVariant(b *testing.B, bin string, v variant, modes []string) {
	seconds := map[string]float64{}
	forced := map[string]int{}
	var excessRatios []float64
	for range b.N {
		first := firstMode[b.Name()]
		firstMode[b.Name()]++
		runs := map[string]outcome{}
		for j := range modes {
			mode := modes[(first+j)%len(modes)]
			o, err := runSuite(bin, mode, v)
			if err != nil {
				b.Fatal(err)
			}
			runs[mode] = o
			seconds[mode] += o.seconds
			forced[mode] += o.forcedGCs
		}
		if v.parallel > 0 {
			continue
		}
		none, gc, check := runs["none"].seconds, runs["gc"].seconds, runs["check"].seconds
		if gc <= none {
			b.Logf("no ratio from this iteration: gc (%.3fs) was no slower than none (%.3fs)", gc, none)
			continue
		}
		excessRatios = append(excessRatios, (check-none)/(gc-none))
	}
	n := float64(b.N)
	for _, mode := range modes {
		b.ReportMetric(seconds[mode]/n, "s-"+mode)
	}
	for _, mode := range modes {
		b.ReportMetric(float64(forced[mode])/n, "forced-gcs-"+mode)
	}
	b.ReportMetric(float64(forced["check"])/n/suiteTests, "forced-gcs/test")
	if len(excessRatios) > 0 {
		b.ReportMetric(median(excessRatios), "check-excess/gc-excess")
	}
	b.ReportMetric(1, "exit-ok")
}

// median is the median of xs, which must not be empty.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
