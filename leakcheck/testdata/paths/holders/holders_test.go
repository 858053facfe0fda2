// Package holders leaks one object per test, each held in a different way,
// so that the retention path of every report can be pinned: a
// package-level map, a field deep inside a package-level struct pointer,
// a goroutine blocked forever with the object as its argument, a closure
// registered with time.AfterFunc, a method value of the object as an idle
// timer's function, a context's deadline, a cycle reachable from a global, a
// sync.Map, an interface value, an unsafe.Pointer, a cgo.Handle, a
// channel's buffer, a goroutine's local variables (its own, of an inlined
// call, of a struct) and closures' captured variables (kept in a global,
// captured by reference, deferred). Each test's report must name the
// root (the variable, or the goroutine's function) and every step that
// has a Go name, and end at the leaked object.
package holders

import (
	"context"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// Conn is the leaked object of every test.
type Conn struct {
	trackable.Trackable
	Addr string
	idle *time.Timer // closes the connection once idle
}

// Close closes the connection.
func (c *Conn) Close() {
	if c.idle != nil {
		c.idle.Stop()
	}
}

func dial(addr string) *Conn { return trackable.Track(&Conn{Addr: addr}) }

// registry is a package-level map that nothing ever deletes from.
var registry = map[string]*Conn{}

func TestLeakHeldByGlobalMap(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	registry["db"] = dial("db:5432")
}

// config is a package-level struct pointer whose object is buried two
// slices deep.
type (
	Config  struct{ Clusters []*Cluster }
	Cluster struct {
		Name     string
		Replicas []*Replica
	}
	Replica struct{ Conns []*Conn }
)

var config *Config

func TestLeakHeldDeepInGlobalStruct(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	config = &Config{Clusters: []*Cluster{{Name: "east", Replicas: []*Replica{{Conns: []*Conn{dial("east-1")}}}}}}
}

// never is never closed: serve blocks forever.
var never = make(chan struct{})

//go:noinline
func serve(c *Conn) {
	<-never
	c.Addr = ""
}

func TestLeakHeldByBlockedGoroutine(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	go serve(dial("served"))
}

func TestLeakHeldByAfterFunc(t *testing.T) {
	leakcheck.Check(t)
	c := dial("timer")
	time.AfterFunc(time.Hour, func() { c.Addr = "" })
}

func TestLeakHeldByIdleTimer(t *testing.T) {
	leakcheck.Check(t)
	c := dial("idle")
	c.idle = time.AfterFunc(time.Hour, c.Close) // never stopped: Close is not called
}

type connKey struct{}

func TestLeakHeldByContextDeadline(t *testing.T) {
	leakcheck.Check(t)
	ctx := context.WithValue(context.Background(), connKey{}, dial("ctx"))
	ctx, _ = context.WithTimeout(ctx, time.Hour) // never cancelled
	_ = ctx
}

// ring is a cycle of nodes reachable from a global; one node holds the
// object.
type node struct {
	next *node
	conn *Conn
}

var ring *node

func TestLeakHeldByCycleFromGlobal(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	a, b := &node{}, &node{conn: dial("ring")}
	a.next, b.next = b, a
	ring = a
}

var conns sync.Map

func TestLeakHeldBySyncMap(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	conns.Store("cache", dial("cache:6379"))
}

// session is a value that an interface holds a copy of.
type session struct {
	user string
	conn *Conn
}

// boxes holds connections in interface values, here a copy of a struct.
var boxes struct{ items []any }

func TestLeakHeldByInterfaceField(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	boxes.items = append(boxes.items[:0], session{user: "ann", conn: dial("boxed")})
}

// opaque holds a connection where no type says what it points to.
var opaque unsafe.Pointer

func TestLeakHeldThroughUnsafePointer(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	opaque = unsafe.Pointer(&session{user: "bob", conn: dial("opaque")})
}

// results is never read: a worker that sends its result there blocks
// forever, the most common goroutine leak.
var results = make(chan *Conn)

func TestLeakHeldByBlockedSend(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	go func() { results <- dial("result") }()
}

// A deferred closure keeps what it captured until its function returns,
// which this one never does.
func TestLeakHeldByDeferredClosure(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	go func() {
		c := dial("deferred")
		defer func() { c.Addr = "" }()
		<-never
	}()
}

// A cgo.Handle that is never deleted holds its value for the life of the
// process, as C code that keeps a callback's handle does.
func TestLeakHeldByCgoHandle(t *testing.T) {
	leakcheck.Check(t)
	handle = cgo.NewHandle(dial("10.0.0.9:5432"))
}

var handle cgo.Handle

// Its twin deletes the handle, which lets the value go.
func TestCleanCgoHandleDeleted(t *testing.T) {
	leakcheck.Check(t)
	cgo.NewHandle(dial("10.0.0.9:5432")).Delete()
}

// queue is a buffered channel that nothing receives from: what is sent
// stays in its buffer.
var queue chan *Conn

func TestLeakHeldByChannelBuffer(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	queue = make(chan *Conn, 4)
	queue <- dial("queued")
}

// wait is small enough to be inlined into its caller: its variable is
// named as wait's, not as that of the function it is inlined into.
func wait(c *Conn) {
	<-never
	c.Addr = ""
}

func TestLeakHeldByInlinedCallsVariable(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	go func() { wait(dial("inlined")) }()
}

func TestLeakHeldByLocalStruct(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	go func() {
		s := session{user: "carol", conn: dial("local")}
		<-never
		s.conn.Close()
	}()
}

// hooks are callbacks kept in a package-level struct: a closure there
// keeps what it captured.
var hooks struct {
	onClose func()
	onOpen  func()
	onReset func()
	onStop  func()
}

func TestLeakHeldByClosureInGlobal(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	c := dial("hook")
	hooks.onClose = func() { c.Close() }
}

// A method value holds its receiver.
func TestLeakHeldByMethodValue(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	hooks.onStop = dial("method").Close
}

// The closure captures c by reference, as a Ginkgo container variable
// is: the closure holds the variable, which holds the object.
func TestLeakHeldByVariableCapturedByReference(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	var c *Conn
	hooks.onOpen = func() {
		if c == nil {
			c = dial("byref")
		}
	}
	hooks.onOpen()
}

// The closure captures c but never reads it: the compiler describes no
// such variable, and the path says so at the closure. (Under -race the
// closure reads it, and the path names it: the test is left out of the
// golden report, which reads the same under every build.)
func TestLeakByUnreadCapture(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	var c *Conn
	hooks.onReset = func() { _ = c }
	c = dial("unread")
}

// unrelated is a pending timer that a variable keeps: it points into
// the runtime's timer heap, where the timer that holds the connection is
// too, and must not be named for it.
var unrelated *time.Timer

func TestLeakHeldByTimerBesideAKeptOne(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	unrelated = time.AfterFunc(time.Hour, func() {})
	c := dial("beside")
	time.AfterFunc(time.Hour, func() { c.Close() })
}

// finalized has a finalizer, which keeps what it points to; a variable
// keeps it, and so is what holds its connection.
type finalized struct {
	name string
	c    *Conn
}

var kept *finalized

func TestLeakHeldByGlobalBesideAFinalizer(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	kept = &finalized{name: "kept", c: dial("finalized")}
	runtime.SetFinalizer(kept, func(*finalized) {})
}

// byRegion maps regions to maps of connections: a small map whose value
// is a map is shaped, object by object, as a large map is.
var byRegion = map[string]map[string]*Conn{}

func TestLeakHeldByMapOfMaps(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	byRegion["eu"] = map[string]*Conn{"db": dial("region")}
}

// latest and current hold the last connection stored, read with Load.
var (
	latest  atomic.Value
	current atomic.Pointer[Conn]
)

func TestLeakHeldByAtomicValue(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	latest.Store(dial("value"))
}

func TestLeakHeldByAtomicPointer(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	current.Store(dial("pointer"))
}

// Box is generic: an interface that holds an instance names it with its
// type argument.
type Box[T any] struct {
	label string
	item  T
}

var boxed any

func TestLeakHeldByGenericInstance(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	boxed = &Box[*Conn]{label: "generic", item: dial("generic")}
}

// replicas maps a primary connection to its replica: the key is a pointer
// to a tracked object, named by its serial.
var replicas = map[*Conn]*Conn{}

func TestLeakHeldByPointerKey(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	primary := dial("primary")
	replicas[primary] = dial("replica")
}

// idle is emptied by re-slicing, which keeps what lies beyond its length
// in its backing array.
var idle []*Conn

func TestLeakHeldBeyondSliceLength(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	idle = append(idle, dial("idle"), dial("spare"))
	idle = idle[:1]
}

// The clean tests pin the other direction: a verdict that passes computes
// no path, and a test that clears its holder passes.
func TestCleanGlobalMapCleared(t *testing.T) {
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	registry["tmp"] = dial("tmp")
	delete(registry, "tmp")
}
