// Package suite is a test suite whose only work is its leak verdicts:
// 200 top-level tests (tests_gen_test.go, written by
// internal/tools/verdictcost/gen), each of which makes and drops 100 tracked
// objects under the verdict that the environment chooses.
// BenchmarkVerdictCost in internal/tools/verdictcost runs its test binary once
// per verdict and times each whole process.
//
// The environment, read once by TestMain:
//
//	VERDICTCOST_MODE      the verdict of every test (default none):
//	                      none           no verdict
//	                      goleak         goleak.VerifyNone(t) at the end of the test
//	                      gc             one runtime.GC() per test, in t.Cleanup
//	                      check          leakcheck.Check(t) first thing in the test
//	                      check-nothing  leakcheck.Check(t), and the test makes
//	                                     plain untracked objects instead
//	VERDICTCOST_HEAP_MB   the live heap kept while the tests run, in MB
//	                      (default 0): objects of 256 bytes with pointers,
//	                      which every collection must mark
//	VERDICTCOST_PARALLEL  1: every test calls t.Parallel
//
// After the tests the suite prints one line,
//
//	verdictcost: forced-gcs=N tests=M
//
// where N is the number of forced garbage collections (runtime.GC) while
// the tests ran and M the number of tests that ran, and exits with the
// tests' exit code.
package suite

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/objtrack/objtrack/trackable"
)

// The verdicts.
const (
	modeNone         = "none"
	modeGoleak       = "goleak"
	modeGC           = "gc"
	modeCheck        = "check"
	modeCheckNothing = "check-nothing"
)

// objectsPerTest is the number of objects each test makes and drops.
const objectsPerTest = 100

// The suite's settings, set by TestMain before the tests run.
var (
	mode     = modeNone
	parallel bool
)

// testsRun counts the tests that ran.
var testsRun atomic.Int64

func TestMain(m *testing.M) {
	heapMB, err := configure()
	if err != nil {
		fmt.Fprintln(os.Stderr, "verdictcost:", err)
		os.Exit(2)
	}
	live := liveHeap(heapMB)
	before := forcedGCs()
	code := m.Run()
	forced := forcedGCs() - before
	runtime.KeepAlive(live)
	fmt.Printf("verdictcost: forced-gcs=%d tests=%d\n", forced, testsRun.Load())
	os.Exit(code)
}

// configure reads the environment into mode and parallel, and returns the
// live heap's size in MB.
func configure() (heapMB int, err error) {
	switch m := os.Getenv("VERDICTCOST_MODE"); m {
	case "":
	case modeNone, modeGoleak, modeGC, modeCheck, modeCheckNothing:
		mode = m
	default:
		return 0, fmt.Errorf("VERDICTCOST_MODE=%q: want none, goleak, gc, check or check-nothing", m)
	}
	switch p := os.Getenv("VERDICTCOST_PARALLEL"); p {
	case "", "0":
	case "1":
		parallel = true
	default:
		return 0, fmt.Errorf("VERDICTCOST_PARALLEL=%q: want 0 or 1", p)
	}
	if s := os.Getenv("VERDICTCOST_HEAP_MB"); s != "" {
		heapMB, err = strconv.Atoi(s)
		if err != nil || heapMB < 0 {
			return 0, fmt.Errorf("VERDICTCOST_HEAP_MB=%q: want a size in MB, 0 or more", s)
		}
	}
	return heapMB, nil
}

// node is one object of the live heap: 256 bytes that start with
// pointers, so that a collection marks and scans every one. Nodes of
// 64 bytes would make a collection of the same heap about twice as long,
// and the 200 MB runs of the benchmark too long to repeat.
type node struct {
	next, peer *node
	vals       [30]uint64
}

// liveHeap makes about mb MB of nodes, reachable from the slice it
// returns, each linked to the one before and to one halfway back. It
// makes them with the collector off, then collects once, so that the
// tests start with the heap goal that this live heap sets.
func liveHeap(mb int) []*node {
	if mb == 0 {
		return nil
	}
	defer runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const perNode = 256 + 8 // the node and its slot in the slice
	nodes := make([]*node, mb<<20/perNode)
	for i := range nodes {
		n := &node{vals: [30]uint64{uint64(i)}}
		if i > 0 {
			n.next = nodes[i-1]
			n.peer = nodes[i/2]
		}
		nodes[i] = n
	}
	return nodes
}

// forcedGCs reads the number of forced garbage collections so far.
func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// object is a tracked object of 64 bytes.
type object struct {
	trackable.Trackable
	Name string
	Buf  [8]byte
}

// plainObject is an untracked object of the same size and shape.
type plainObject struct {
	P    *int
	Name string
	Buf  [40]byte
}

// work counts the test and makes and drops objectsPerTest objects:
// tracked ones, or plain ones in check-nothing mode.
func work() {
	testsRun.Add(1)
	if mode == modeCheckNothing {
		for range objectsPerTest {
			newPlain()
		}
		return
	}
	for range objectsPerTest {
		newTracked()
	}
}

//go:noinline
func newTracked() *object { return trackable.Track(&object{}) }

//go:noinline
func newPlain() *plainObject { return &plainObject{} }
