// Package timers pins the verdicts on objects that timers hold: a
// connection whose idle timer Close stops, the values of a context whose
// deadline cancel stops, a timer that fires just after its test, and a
// timer still pending at the end of it. Other timers are pending all
// along, on every processor, as a library's or another test's would be:
// they sit before the stopped ones in the runtime's timer heaps.
package timers

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	idle *time.Timer
}

// Dial returns a connection that closes itself after a minute idle.
func Dial() *Conn {
	c := trackable.Track(&Conn{})
	c.idle = time.AfterFunc(time.Minute, c.Close)
	return c
}

func (c *Conn) Close() { c.idle.Stop() }

var pending []*time.Timer

func TestMain(m *testing.M) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for range 25 {
				t := time.AfterFunc(30*time.Second, func() {})
				mu.Lock()
				pending = append(pending, t)
				mu.Unlock()
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	leakcheck.VerifyTestMain(m)
}

func TestCleanIdleTimerStopped(t *testing.T) {
	leakcheck.Check(t)
	c := Dial()
	c.Close()
}

func TestCleanIdleTimersStoppedOnGoroutines(t *testing.T) {
	leakcheck.Check(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { Dial().Close() })
	}
	wg.Wait()
}

type key struct{}

func query(ctx context.Context) *Conn { return ctx.Value(key{}).(*Conn) }

func TestCleanContextWithTimeoutCanceled(t *testing.T) {
	leakcheck.Check(t)
	c := trackable.Track(&Conn{})
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, c), time.Hour)
	defer cancel()
	if query(ctx) != c {
		t.Fatal("no Conn in the context")
	}
}

func TestCleanContextWithDeadlineCanceledOnGoroutine(t *testing.T) {
	leakcheck.Check(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := trackable.Track(&Conn{})
		ctx, cancel := context.WithDeadline(context.WithValue(t.Context(), key{}, c), time.Now().Add(time.Hour))
		defer cancel()
		query(ctx)
	}()
	<-done
}

// The timer fires 50 ms after the test returns, and lets go of the
// connection then: within the grace that a goroutine gets too.
func TestCleanTimerFiresJustAfter(t *testing.T) {
	leakcheck.Check(t)
	c := trackable.Track(&Conn{})
	time.AfterFunc(50*time.Millisecond, func() { runtime.KeepAlive(c) })
}

// The goroutine ends 300 ms after the test returns.
func TestCleanGoroutineEndsJustAfter(t *testing.T) {
	leakcheck.Check(t)
	c := trackable.Track(&Conn{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		runtime.KeepAlive(c)
	}()
}

func TestLeakIdleTimerPending(t *testing.T) {
	leakcheck.Check(t)
	Dial() // idle for a minute: pending when the test ends
}

// The timer fires long after the grace, and after the verdict however
// loaded the machine (a verdict under -race that finds retention paths
// can take seconds): a timer due at 3 s had 188 ms left when one
// reported it, and one a little slower would have seen it fire and let
// go of its Conn.
func TestLeakTimerFiresAfterTheGrace(t *testing.T) {
	leakcheck.Check(t)
	c := trackable.Track(&Conn{})
	time.AfterFunc(30*time.Second, func() { runtime.KeepAlive(c) })
}

func TestLeakContextNotCanceled(t *testing.T) {
	leakcheck.Check(t)
	c := trackable.Track(&Conn{})
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, c), time.Hour)
	_ = cancel // never called: the leak under test
	query(ctx)
}
