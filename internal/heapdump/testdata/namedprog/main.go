// Command namedprog holds objects in package-level variables of several
// kinds, writes a heap dump of itself, and prints the retention path of
// each object, its globals named with its own symbol table. The tests of
// package heapdump build it with go build, which keeps the table.
package main

import (
	"context"
	"fmt"
	"os"
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
)

type ctxKey struct{}

func main() {
	objects := []*conn{{serial: 1}, {serial: 2}, {serial: 3}, {serial: 4}, {serial: 5}, {serial: 6}, {serial: 7}, {serial: 8}, {serial: 9}, {serial: 10}, {serial: 11}, {serial: 12}, {serial: 13}, {serial: 14}, {serial: 15}}
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
		fmt.Printf("conn %d held by:\n  %s\n", i+1, p.RootText())
		for _, st := range p.Steps[p.Typed:] {
			fmt.Printf("  -> %d B object\n", st.Size)
		}
	}
	runtime.KeepAlive(registry)
	runtime.KeepAlive(big)
	runtime.KeepAlive(moved)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "namedprog:", err)
	os.Exit(1)
}
