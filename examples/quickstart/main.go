// Command quickstart is pytracker's README session in Go: two objects, a
// dump, one dropped, a dump with changes; then per-object tracking with
// data bundles.
package main

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"github.com/objtrack/objtrack/trackable"
)

// Foo is a type worth tracking: it embeds trackable.Trackable and its
// constructor registers each new value.
type Foo struct {
	trackable.Trackable
	Name string
}

// NewFoo makes a tracked Foo.
func NewFoo(name string) *Foo {
	return trackable.Track(&Foo{Name: name})
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	inv := trackable.NewInventory()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(nil)

	step := func(format string, args ...any) { fmt.Fprintf(w, "\n>>> "+format+"\n", args...) }

	step(`foos := map[string]*Foo{"x": NewFoo("x"), "y": NewFoo("y")}; inv.Dump(os.Stdout)`)
	foos := map[string]*Foo{"x": NewFoo("x"), "y": NewFoo("y")}
	if err := inv.Dump(w); err != nil {
		return err
	}

	step(`delete(foos, "y"); (garbage collection); inv.Dump(os.Stdout)`)
	delete(foos, "y")
	collect()
	if err := inv.Dump(w); err != nil {
		return err
	}

	step("inv.SetObjectTracking(reflect.TypeFor[Foo](), true); three objects with bundles; inv.Dump(os.Stdout)")
	inv.SetObjectTracking(reflect.TypeFor[Foo](), true)
	for _, name := range []string{"first", "second", "third"} {
		foos[name] = NewFoo(name)
	}
	foos["first"].SetDataBundle("first")
	foos["second"].SetDataBundle(map[string]int{"port": 5432})
	if err := inv.Dump(w); err != nil {
		return err
	}

	step(`delete(foos, "second"); (garbage collection); inv.Dump(os.Stdout)`)
	delete(foos, "second")
	collect()
	if err := inv.Dump(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nserials: x=%d first=%d third=%d\n",
		foos["x"].TrackerSerial(), foos["first"].TrackerSerial(), foos["third"].TrackerSerial())
	return nil
}

// collect forces a garbage collection and waits for every cleanup, so
// that dropped objects are counted as retired.
func collect() {
	if err := trackable.Settle(time.Minute); err != nil {
		panic(err)
	}
}
