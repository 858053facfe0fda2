// Package labels pins verdicts where the goroutine that makes an object
// has lost its checked test's pprof label, or never had it: code under
// test that runs pprof.Do with a context of its own (which replaces the
// goroutine's labels, then restores the context's, not the test's), and
// time.AfterFunc, whose goroutines the runtime starts with no labels.
// Their objects and goroutines are the test's when the test's function
// is on their stack. Also: GoroutineOptions in parallel tests, a
// WithoutGoroutines test whose goroutine ends late, and a chain of twenty
// finalizers.
package labels

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	addr string
	buf  []byte
}

func dial(addr string) *Conn {
	return trackable.Track(&Conn{addr: addr, buf: make([]byte, 64)})
}

var held fixture.Kept[any]

// handle is code under test that labels its work, as servers do.
func handle(ctx context.Context, addr string) (c *Conn) {
	pprof.Do(ctx, pprof.Labels("handler", "dial"), func(context.Context) { c = dial(addr) })
	return c
}

func TestLeakInsidePprofDo(t *testing.T) {
	leakcheck.Check(t)
	held.Keep(handle(t.Context(), "inside"))
}

func TestCleanInsidePprofDo(t *testing.T) {
	leakcheck.Check(t)
	_ = handle(t.Context(), "inside")
}

func TestLeakAfterPprofDo(t *testing.T) {
	leakcheck.Check(t)
	_ = handle(context.Background(), "before")
	held.Keep(dial("after"))
}

func TestCleanAfterPprofDo(t *testing.T) {
	leakcheck.Check(t)
	_ = handle(context.Background(), "before")
	_ = dial("after")
}

var never = make(chan struct{})

func TestLeakGoroutineInsidePprofDo(t *testing.T) {
	leakcheck.Check(t)
	pprof.Do(context.Background(), pprof.Labels("w", "x"), func(context.Context) {
		go func() { <-never }()
	})
}

func TestCleanGoroutineInsidePprofDo(t *testing.T) {
	leakcheck.Check(t)
	done := make(chan struct{})
	pprof.Do(context.Background(), pprof.Labels("w", "x"), func(context.Context) {
		go func() { close(done) }()
	})
	<-done
}

func TestLeakInAfterFunc(t *testing.T) {
	leakcheck.Check(t)
	done := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() { held.Keep(dial("timer")); close(done) })
	<-done
}

func TestCleanInAfterFunc(t *testing.T) {
	leakcheck.Check(t)
	done := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() { _ = dial("timer"); close(done) })
	<-done
}

func worker() { <-never }

var ignoreWorker = leakcheck.GoroutineOptions(goleak.IgnoreTopFunction("github.com/objtrack/objtrack/leakcheck/testdata/verdicts/labels.worker"))

// Parallel: goleak sees the other tests' goroutines, and must still
// ignore only what its options say.
func TestCleanIgnoredWorkerParallel(t *testing.T) {
	leakcheck.Check(t, ignoreWorker)
	t.Parallel()
	go worker()
}

func TestLeakNotIgnoredParallel(t *testing.T) {
	leakcheck.Check(t, ignoreWorker)
	t.Parallel()
	go func() { <-never }()
}

// A goroutine that holds the test's object a little after the test: not
// a leak, with or without the goroutine check.
func background(c *Conn) {
	go func() {
		time.Sleep(20 * time.Millisecond)
		c.addr = "done"
	}()
}

func TestCleanLateGoroutineWithoutGoroutines(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	background(dial("late"))
}

type node struct {
	next *node
	c    *Conn
	pad  [8]byte
}

// chain holds c behind n objects with finalizers, each freed one
// collection after the one before it.
func chain(n int, c *Conn) *node {
	h := &node{c: c}
	runtime.SetFinalizer(h, func(*node) {})
	for range n - 1 {
		nd := &node{next: h}
		runtime.SetFinalizer(nd, func(*node) {})
		h = nd
	}
	return h
}

func TestCleanFinalizerChain20(t *testing.T) {
	leakcheck.Check(t)
	_ = chain(20, dial("chained"))
}

func TestLeakFinalizerChain20Kept(t *testing.T) {
	leakcheck.Check(t)
	held.Keep(chain(20, dial("chained")))
}

// rows runs the rows of a table as parallel subtests that share one
// closure, each checked, under a checked parent: a row that drops its
// object, named clean, and one that keeps it, named kept.
func rows(t *testing.T, clean, kept string, body func(t *testing.T, keep bool)) {
	leakcheck.Check(t)
	for _, row := range []struct {
		name string
		keep bool
	}{{clean, false}, {kept, true}} {
		t.Run(row.name, func(t *testing.T) {
			leakcheck.Check(t)
			t.Parallel()
			body(t, row.keep)
		})
	}
}

// The rows' goroutines lose their labels: each row made its object on its
// own goroutine, which is told apart by its id.
func TestTableLabelsLost(t *testing.T) {
	rows(t, "clean_dropped", "leak_kept", func(t *testing.T, keep bool) {
		pprof.SetGoroutineLabels(context.Background())
		c := dial("row")
		if keep {
			held.Keep(c)
		}
	})
}

// Library code starts a goroutine after pprof.Do took the row's label
// away: the goroutine was started by the row's goroutine.
func TestTableSpawnAfterLabelsLost(t *testing.T) {
	rows(t, "clean_dropped", "leak_kept", func(t *testing.T, keep bool) {
		_ = handle(context.Background(), "handled")
		done := make(chan struct{})
		spawn(keep, done)
		<-done
	})
}

// spawn is library code: no test function is on its goroutine's stack.
func spawn(keep bool, done chan struct{}) {
	go func() {
		c := dial("spawned")
		if keep {
			held.Keep(c)
		}
		close(done)
	}()
}

// A timer's goroutine runs the rows' shared closure while both rows run
// (the barrier keeps either from ending before both objects are made):
// which row made the object cannot be told, and their checked parent is
// blamed, never a row.
func TestLeakTableAfterFunc(t *testing.T) {
	var made sync.WaitGroup
	made.Add(2)
	rows(t, "clean_dropped", "kept", func(t *testing.T, keep bool) {
		done := make(chan struct{})
		time.AfterFunc(time.Millisecond, func() {
			c := dial("timer")
			if keep {
				held.Keep(c)
			}
			close(done)
		})
		<-done
		made.Done()
		made.Wait()
	})
}
