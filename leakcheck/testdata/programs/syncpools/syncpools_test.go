// Package syncpools pins the verdicts on objects that the sync package's
// bookkeeping keeps for a while after the program lets go of them: a
// type that embeds a sync.Pool it has used (the sync package lists every
// used pool, and drops it over two collections), and a goroutine pool of
// the shape of github.com/panjf2000/ants (workers cached in a sync.Pool,
// a purge goroutine, Release), watched in its constructor. Words that
// look like a survivor's address, planted in buffers of bytes (a global
// one, and a pool of them, as os keeps for directory reads), hold
// nothing: a dropped object is freed, and a kept one's report names only
// what really holds it.
package syncpools

import (
	"encoding/binary"
	"os"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// Cache embeds a sync.Pool of buffers.
type Cache struct {
	trackable.Trackable
	sync.Pool
}

func NewCache() *Cache {
	c := trackable.Track(&Cache{})
	c.New = func() any { return new([256]byte) }
	return c
}

var (
	kept     []*Cache
	keptPool *WorkerPool
)

func TestCleanCacheDropped(t *testing.T) {
	leakcheck.Check(t)
	c := NewCache()
	for range 100 {
		b := c.Get().(*[256]byte)
		c.Put(b)
	}
}

func TestLeakCacheKept(t *testing.T) {
	leakcheck.Check(t)
	c := NewCache()
	c.Put(c.Get())
	kept = append(kept, c)
}

// WorkerPool is ants' Pool in small: idle workers are cached in a
// sync.Pool whose New refers to the pool, a purge goroutine stops idle
// workers, and Release stops everything.
type WorkerPool struct {
	common *poolCommon
}

type poolCommon struct {
	workerCache sync.Pool
	mu          sync.Mutex
	idle        []*worker
	stop        chan struct{}
	done        sync.WaitGroup
}

type worker struct {
	pool  *poolCommon
	tasks chan func()
}

func NewWorkerPool() *WorkerPool {
	p := &poolCommon{stop: make(chan struct{})}
	p.workerCache.New = func() any { return &worker{pool: p, tasks: make(chan func(), 1)} }
	p.done.Add(1)
	go p.purge()
	wp := &WorkerPool{common: p}
	trackable.Watch(wp)
	trackable.Watch(p)
	return wp
}

func (p *poolCommon) purge() {
	defer p.done.Done()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.mu.Lock()
			for _, w := range p.idle {
				close(w.tasks)
			}
			p.idle = p.idle[:0]
			p.mu.Unlock()
		}
	}
}

// Submit runs task on a worker: an idle one, or one from the cache.
func (wp *WorkerPool) Submit(task func()) {
	p := wp.common
	p.mu.Lock()
	var w *worker
	if n := len(p.idle); n > 0 {
		w, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	p.mu.Unlock()
	if w == nil {
		w = p.workerCache.Get().(*worker)
		p.done.Add(1)
		go w.run()
	}
	w.tasks <- task
}

func (w *worker) run() {
	defer w.pool.done.Done()
	for task := range w.tasks {
		task()
		p := w.pool
		p.mu.Lock()
		select {
		case <-p.stop:
			p.mu.Unlock()
			return
		default:
		}
		p.idle = append(p.idle, w)
		p.mu.Unlock()
	}
	w.tasks = make(chan func(), 1)
	w.pool.workerCache.Put(w)
}

// Release stops the purge goroutine and every worker, and waits for them.
func (wp *WorkerPool) Release() {
	p := wp.common
	close(p.stop)
	p.mu.Lock()
	for _, w := range p.idle {
		close(w.tasks)
	}
	p.idle = nil
	p.mu.Unlock()
	p.done.Wait()
}

func work(t *testing.T, wp *WorkerPool) {
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		wp.Submit(func() { wg.Done() })
	}
	wg.Wait()
	time.Sleep(25 * time.Millisecond) // the purge goroutine stops idle workers
	for range 20 {
		wg.Add(1)
		wp.Submit(func() { wg.Done() })
	}
	wg.Wait()
}

func TestCleanWorkerPoolReleased(t *testing.T) {
	leakcheck.Check(t)
	wp := NewWorkerPool()
	work(t, wp)
	wp.Release()
}

func TestLeakWorkerPoolNotReleased(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	wp := NewWorkerPool()
	work(t, wp)
	keptPool = wp
}

// Directory reads fill os's pool of directory buffers, whose words are
// no pointers: it must never be named as what holds a survivor.
func readDirs(t *testing.T) {
	for range 20 {
		if _, err := os.ReadDir("."); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCleanCacheDroppedAmongDirReads(t *testing.T) {
	leakcheck.Check(t)
	readDirs(t)
	c := NewCache()
	c.Put(c.Get())
	readDirs(t)
}

func TestLeakCacheKeptAmongDirReads(t *testing.T) {
	leakcheck.Check(t)
	readDirs(t)
	c := NewCache()
	c.Put(c.Get())
	kept = append(kept, c)
	readDirs(t)
}

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// Unchecked twins, judged by VerifyTestMain when the run ends.
func TestMainCleanCacheDropped(t *testing.T) {
	c := NewCache()
	c.Put(c.Get())
}

func TestMainCleanWorkerPoolReleased(t *testing.T) {
	wp := NewWorkerPool()
	work(t, wp)
	wp.Release()
}

// staleBytes and bytePool hold bytes only: the garbage collector and the
// heap dump see no pointer in them, whatever their words look like.
var (
	staleBytes = make([]byte, 64)
	bytePool   = sync.Pool{New: func() any { b := make([]byte, 64); return &b }}
)

// plant writes c's address into staleBytes and into a buffer put back in
// bytePool, as a stale word left in a reused buffer would be.
func plant(c *Cache) {
	addr := uint64(uintptr(unsafe.Pointer(c)))
	binary.LittleEndian.PutUint64(staleBytes[8:], addr)
	b := bytePool.Get().(*[]byte)
	binary.LittleEndian.PutUint64((*b)[16:], addr)
	bytePool.Put(b)
}

func TestCleanStaleWordsHoldNothing(t *testing.T) {
	leakcheck.Check(t)
	plant(NewCache())
}

func TestLeakKeptBesideStaleWords(t *testing.T) {
	leakcheck.Check(t)
	c := NewCache()
	plant(c)
	kept = append(kept, c)
}
