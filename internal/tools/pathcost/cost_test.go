package pathcost_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/testsupport/bigheap"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// Conn is the object that each verdict finds leaked.
type Conn struct {
	trackable.Trackable
	Addr string
}

var (
	heap   *bigheap.Heap // the live heap the verdicts search
	leaked []*Conn
)

// verdictT is the TestingT of one verdict.
type verdictT struct {
	mu       sync.Mutex
	cleanups []func()
	errors   []string
}

func (t *verdictT) Helper()             {}
func (t *verdictT) Name() string        { return "TestLeaks" }
func (t *verdictT) Cleanup(f func())    { t.cleanups = append(t.cleanups, f) }
func (t *verdictT) Logf(string, ...any) {}
func (t *verdictT) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.errors) > 0
}
func (t *verdictT) Errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errors = append(t.errors, fmt.Sprintf(format, args...))
}

// failingVerdict runs one Check whose test leaks a connection, and
// returns its report.
func failingVerdict(b *testing.B, opts ...leakcheck.Option) string {
	t := &verdictT{}
	leakcheck.Check(t, opts...)
	leaked = append(leaked, trackable.Track(&Conn{Addr: "db:5432"}))
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	report := strings.Join(t.errors, "\n")
	if !strings.Contains(report, "outlived TestLeaks") {
		b.Fatalf("the verdict did not fail:\n%s", report)
	}
	return report
}

func BenchmarkFailingVerdict200MB(b *testing.B) {
	heap = bigheap.Build(200)
	b.Logf("live heap: %d MB", bigheap.Collect()>>20)
	// The first verdict with paths may rebuild the test binary for its
	// symbol table, once per process: not what each verdict costs.
	start := time.Now()
	if !strings.Contains(failingVerdict(b), "held by:") {
		b.Fatal("the report has no retention path")
	}
	b.Logf("first verdict with paths (symbol table included): %v", time.Since(start).Round(time.Millisecond))
	for _, impl := range []string{"nopaths", "untyped", "paths"} {
		b.Run("impl="+impl, func(b *testing.B) {
			var opts []leakcheck.Option
			switch impl {
			case "nopaths":
				opts = append(opts, leakcheck.WithoutPaths())
			case "untyped":
				// Paths as they were before they were typed: the root
				// named, the objects after it by size.
				b.Setenv(leakcheck.PathsEnv, "untyped")
			}
			base := bigheap.Collect()
			peak := bigheap.SamplePeak()
			for b.Loop() {
				report := failingVerdict(b, opts...)
				if strings.Contains(report, "held by:") != (impl != "nopaths") {
					b.Fatalf("impl=%s, report:\n%s", impl, report)
				}
				if typed := strings.Contains(report, "global  pathcost_test.leaked["); typed != (impl == "paths") {
					b.Fatalf("impl=%s, typed path %v, report:\n%s", impl, typed, report)
				}
			}
			highest := peak.End()
			b.ReportMetric(float64(highest-min(base, highest))/(1<<20), "peak-extra-MB")
		})
	}
	runtime.KeepAlive(heap)
}
