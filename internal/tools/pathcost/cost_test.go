package pathcost_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// Conn is the object that each verdict finds leaked.
type Conn struct {
	trackable.Trackable
	Addr string
}

// node makes up the live heap: linked lists with maps over them, so that
// the heap has the pointers of a real program's.
type node struct {
	next, peer *node
	name       string
	payload    [6]uint64
}

var (
	heap struct {
		lists []*node
		index []map[int]*node
	}
	leaked []*Conn
)

// buildHeap makes about mb MB of live heap.
func buildHeap(mb int) {
	nodes := mb << 20 / 112
	index := map[int]*node{}
	var head, prev *node
	for i := range nodes {
		n := &node{name: "node-" + strconv.Itoa(i)}
		n.payload[0] = uint64(i)
		if i%64 == 0 {
			if head != nil {
				heap.lists = append(heap.lists, head)
			}
			head = n
		} else {
			prev.next = n
		}
		if i%4 == 0 {
			index[i] = n
			if len(index) == 100000 {
				heap.index = append(heap.index, index)
				index = map[int]*node{}
			}
		}
		if i%1000 == 0 {
			n.peer = prev
		}
		prev = n
	}
	heap.lists = append(heap.lists, head)
	heap.index = append(heap.index, index)
}

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

func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peak samples the heap in use every millisecond until stop is called.
func peak() (stop func() uint64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var highest uint64
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			highest = max(highest, heapInUse())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return max(highest, heapInUse())
	}
}

func BenchmarkFailingVerdict200MB(b *testing.B) {
	buildHeap(220) // about 200 MB live: maps and slices come on top of the nodes, less than the estimate
	runtime.GC()
	b.Logf("live heap: %d MB", heapInUse()>>20)
	// The first verdict with paths may rebuild the test binary for its
	// symbol table, once per process: not what each verdict costs.
	start := time.Now()
	if !strings.Contains(failingVerdict(b), "held by:") {
		b.Fatal("the report has no retention path")
	}
	b.Logf("first verdict with paths (symbol table included): %v", time.Since(start).Round(time.Millisecond))
	for _, impl := range []string{"nopaths", "paths"} {
		b.Run("impl="+impl, func(b *testing.B) {
			var opts []leakcheck.Option
			if impl == "nopaths" {
				opts = append(opts, leakcheck.WithoutPaths())
			}
			runtime.GC()
			base := heapInUse()
			stop := peak()
			for b.Loop() {
				report := failingVerdict(b, opts...)
				if strings.Contains(report, "held by:") != (impl == "paths") {
					b.Fatalf("impl=%s, report:\n%s", impl, report)
				}
			}
			highest := stop()
			b.ReportMetric(float64(highest-min(base, highest))/(1<<20), "peak-extra-MB")
		})
	}
	runtime.KeepAlive(&heap)
}
