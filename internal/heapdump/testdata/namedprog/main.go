// Command namedprog holds objects in package-level variables of several
// kinds, in goroutines' variables and in closures, writes a heap dump of
// itself, and prints the retention path of each object, its globals
// named with its own symbol table and its variables with its own DWARF.
// The tests of package heapdump build it with go build, which keeps
// both.
package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/objtrack/objtrack/internal/heapdump"
	"github.com/objtrack/objtrack/internal/heapdump/symbols"
)

type conn struct {
	serial int
	peer   *conn
}

type settings struct {
	name string
	conn *conn
}

var (
	registry = map[string]*conn{}
	current  *conn
	defaults = &settings{name: "defaults"}
	// big has grown past one group: its values are in the groups of
	// tables, which a directory lists.
	big    = map[int]*settings{}
	list   []*conn
	byConn = map[*conn]bool{}
	boxed  any
	// Keys: one cut short, one negative, and one whose slot changes
	// after the dump, which must not be shown.
	long  = map[string]*conn{}
	small = map[int8]*conn{}
	moved = map[string]*conn{}
	// Interfaces, whose dynamic types the path reads from the process.
	vals        []any
	boxedStruct any
	ctx         context.Context
	// A sync.Map with enough entries for a trie of several levels.
	syncm sync.Map
	// An interface key of another type than an untyped constant's.
	anyKeys = map[any]*conn{}
	// Closures that captured a variable by value and by reference, and
	// a channel's buffer.
	hook  func()
	byRef func()
	queue = make(chan *conn, 3)
)

// never is never closed: the goroutines that receive from it wait for
// ever, holding their variables.
var never = make(chan struct{})

//go:noinline
func serve(c *conn) {
	<-never
	c.serial++
}

// wait is inlined into its caller.
func wait(c *conn) {
	<-never
	c.serial++
}

type holder struct {
	name string
	c    *conn
}

//go:noinline
func keep(h *holder) {
	<-never
	h.c.serial++
}

// deferring keeps c in a deferred closure that does not escape: the
// closure is laid out in its frame.
func deferring(c *conn) {
	defer func() { c.serial++ }()
	<-never
}

type ctxKey struct{}

func main() {
	var objects []*conn
	for i := range 22 {
		objects = append(objects, &conn{serial: i + 1})
	}
	registry["a"] = objects[0]
	current = objects[1]
	defaults.conn = objects[2]
	for i := range 100 {
		big[i] = &settings{name: fmt.Sprint(i)}
	}
	big[50].conn = objects[3]
	list = []*conn{{}, {}, objects[4]}
	byConn[objects[5]] = true
	boxed = objects[6] // an interface: its dynamic type is not in DWARF
	long[strings.Repeat("k", 100)] = objects[7]
	small[-3] = objects[8]
	moved["before"] = objects[9]
	vals = []any{1, "x", objects[10]}
	boxedStruct = settings{name: "boxed", conn: objects[11]}
	ctx = context.WithValue(context.Background(), ctxKey{}, objects[12])
	for i := range 200 {
		syncm.Store(i, &settings{name: fmt.Sprint(i)})
	}
	syncm.Store(777, settings{name: "777", conn: objects[13]})
	anyKeys[9] = &conn{}
	anyKeys[int8(9)] = objects[14]
	go serve(objects[15])
	go func(c *conn) { wait(c) }(objects[16])
	go keep(&holder{name: "h", c: objects[17]})
	c := objects[18]
	hook = func() { c.serial++ }
	var r *conn
	byRef = func() {
		if r == nil {
			r = objects[19]
		}
	}
	byRef()
	go deferring(objects[20])
	queue <- &conn{}
	queue <- objects[21]
	<-queue // the buffer's first slot is free again: objects[21] is the first to be received
	queue <- &conn{}
	waitBlocked(4)
	var targets []uint64
	for _, c := range objects {
		targets = append(targets, uint64(uintptr(unsafe.Pointer(c))))
	}
	objects = nil

	table, err := symbols.ForProcess(context.Background(), symbols.Options{NoRebuild: true})
	if err != nil {
		fail(err)
	}
	path, err := heapdump.Write("")
	if err != nil {
		fail(err)
	}
	defer os.Remove(path)
	moved["before"] = &conn{} // the slot holds another pointer than the dump's
	g, err := heapdump.ReadGraphFile(path)
	if err != nil {
		fail(err)
	}
	for i, p := range g.Paths(targets, heapdump.SearchOptions{Symbols: table}) {
		fmt.Printf("conn %d held by:\n  %s\n", i+1, goroutineID.ReplaceAllString(p.RootText(), "goroutine N"))
		closures := map[int]heapdump.Closure{}
		for _, c := range p.Closures {
			closures[c.Step] = c
		}
		for j := p.Typed; j < len(p.Steps); j++ {
			if c, ok := closures[j]; ok {
				fmt.Printf("  -> %s\n", c.Text())
				j += c.Typed
				continue
			}
			fmt.Printf("  -> %d B object\n", p.Steps[j].Size)
		}
	}
	runtime.KeepAlive(registry)
	runtime.KeepAlive(big)
	runtime.KeepAlive(moved)
}

var goroutineID = regexp.MustCompile(`goroutine \d+`)

// waitBlocked returns once n goroutines wait to receive from never.
func waitBlocked(n int) {
	buf := make([]byte, 1<<20)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		if strings.Count(stacks, "[chan receive]:") >= n {
			return
		}
		runtime.Gosched()
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "namedprog:", err)
	os.Exit(1)
}
