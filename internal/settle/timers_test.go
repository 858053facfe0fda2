package settle

import (
	"runtime"
	"sync"
	"testing"
	"time"
	"weak"
)

// idleConn is a connection with an idle timer, stopped by Close: the
// shape that a stopped timer keeps reachable.
type idleConn struct {
	idle *time.Timer
	buf  [64]byte
}

func (c *idleConn) Close() { c.idle.Stop() }

// The stopped timers of connections closed on every P are dropped, with
// other timers pending all the while (earlier than the stopped ones, so
// that none of these sits at the head of its heap).
func TestDropStoppedTimers(t *testing.T) {
	var pending []*time.Timer
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for range 50 {
				p := time.AfterFunc(30*time.Minute, func() {})
				mu.Lock()
				pending = append(pending, p)
				mu.Unlock()
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, p := range pending {
			p.Stop()
		}
	}()
	var closed []weak.Pointer[idleConn]
	for i := range 8 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			c := &idleConn{}
			c.idle = time.AfterFunc(time.Hour+time.Duration(i)*time.Second, c.Close)
			mu.Lock()
			closed = append(closed, weak.Make(c))
			mu.Unlock()
			runtime.Gosched()
			c.Close()
		})
	}
	wg.Wait()
	alive := func() (n int) {
		runtime.GC()
		for _, w := range closed {
			if w.Value() != nil {
				n++
			}
		}
		return n
	}
	procs := runtime.GOMAXPROCS(0)
	if !DropStoppedTimers() {
		t.Fatal("DropStoppedTimers could not tell that the runtime dropped its stopped timers")
	}
	if n := alive(); n != 0 {
		t.Errorf("%d of %d closed connections are still held by their stopped timers", n, len(closed))
	}
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS is %d after DropStoppedTimers, want %d as before", got, procs)
	}
}

// A pending timer is left alone: it still fires, and what its function
// holds stays alive until then.
func TestDropStoppedTimersLeavesPendingOnes(t *testing.T) {
	fired := make(chan struct{})
	held := pendingConn()
	soon := time.AfterFunc(50*time.Millisecond, func() { close(fired) })
	DropStoppedTimers()
	runtime.GC()
	if held.Value() == nil {
		t.Fatal("the object of a pending timer's function was freed")
	}
	<-fired // the pending timer still fires
	held.Value().idle.Stop()
	_ = soon
}

// pendingConn returns a weak pointer to a connection that only its
// pending idle timer holds.
//
//go:noinline
func pendingConn() weak.Pointer[idleConn] {
	c := &idleConn{}
	c.idle = time.AfterFunc(time.Hour, func() { c.buf[0] = 1 })
	return weak.Make(c)
}
