package leakcheck_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// TestMain in a package's tests: the whole run is judged once, at the
// end, objects and goroutines together. (VerifyTestMain exits the
// process, so this example is compiled, not run; ExampleCheck shows a
// report.)
func ExampleVerifyTestMain() {
	var m *testing.M // TestMain receives it
	leakcheck.VerifyTestMain(m,
		leakcheck.Allow("db.Pool", 1, "one pool per process"),
		leakcheck.ReportFile("leakcheck.json"))
}

// One line at the top of a test judges that test alone; it works in
// parallel tests. Here a stand-in for the test's *testing.T prints the
// first line of what the verdict reports: the test kept a connection in
// a package-level cache.
func ExampleCheck() {
	t := &printT{name: "TestCache"} // in a real test: the test's *testing.T
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	exampleCache = append(exampleCache, trackable.Track(&ExampleConn{Addr: "db:5432"}))
	t.end() // package testing runs the verdict when the test ends
	exampleCache = nil
	// Output:
	// leakcheck: 1 tracked object outlived TestCache (1 type)
	//   held by: global  leakcheck_test.exampleCache[0]
}

// Live says what leakcheck recorded of the live objects of a type: where
// they were made and what holds them, as a failing report would. Here a
// test prints it for the connections its cache keeps.
func ExampleLive() {
	t := &printT{name: "TestCache"} // in a real test: the test's *testing.T
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	exampleCache = append(exampleCache, trackable.Track(&ExampleConn{Addr: "db:5432"}))
	live := leakcheck.Live(reflect.TypeFor[ExampleConn]())
	site := live.Sites[0]
	fmt.Println(live.Name, live.Count)
	fmt.Println("made in", site.Frames[0].Function)
	fmt.Println("held by", site.HeldBy[0].Root)
	exampleCache = nil
	t.end()
	// Output:
	// github.com/objtrack/objtrack/leakcheck_test.ExampleConn 1
	// made in github.com/objtrack/objtrack/leakcheck_test.ExampleLive
	// held by global  leakcheck_test.exampleCache[0]
}

// ExampleConn is a tracked type of the examples.
type ExampleConn struct {
	trackable.Trackable
	Addr string
}

var exampleCache []*ExampleConn

// printT stands in for a *testing.T: it prints the headline of each error
// and the root of each retention path, the lines that do not change from
// run to run.
type printT struct {
	name     string
	cleanups []func()
	failed   bool
}

func (t *printT) Helper()             {}
func (t *printT) Name() string        { return t.name }
func (t *printT) Cleanup(f func())    { t.cleanups = append(t.cleanups, f) }
func (t *printT) Logf(string, ...any) {}
func (t *printT) Failed() bool        { return t.failed }
func (t *printT) Errorf(format string, args ...any) {
	t.failed = true
	lines := strings.Split(fmt.Sprintf(format, args...), "\n")
	fmt.Println(lines[0])
	for i, l := range lines {
		if strings.TrimSpace(l) == "held by:" && i+1 < len(lines) {
			fmt.Println("  held by: " + strings.TrimSpace(lines[i+1]))
		}
	}
}
func (t *printT) end() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// Find returns the verdict as a value, for a harness of one's own: here,
// on every object tracked while a scope was in effect.
func ExampleFind() {
	t := &printT{name: "TestPool"}
	leakcheck.Check(t, leakcheck.WithoutGoroutines())
	kept := trackable.Track(&ExampleConn{Addr: "cache:6379"})
	rep, err := leakcheck.Find(leakcheck.WithoutGoroutines(), leakcheck.WithoutPaths())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range rep.Leaks {
		if strings.HasSuffix(t.Name, ".ExampleConn") {
			fmt.Println(rep.Leaked(), t.Name, t.Count)
		}
	}
	runtime.KeepAlive(kept)
	kept = nil
	t.end()
	// Output:
	// true github.com/objtrack/objtrack/leakcheck_test.ExampleConn 1
}

// A Report prints what survived, where it was made, and how the verdict
// was reached.
func ExampleReport_String() {
	rep := &leakcheck.Report{
		Scope: "TestCache",
		Leaks: []leakcheck.TypeReport{{
			Name:  "example.com/db.Conn",
			Count: 7,
			Sites: []leakcheck.Site{{
				Count: 7,
				Frames: []leakcheck.Frame{
					{Function: "example.com/db.Dial", File: "/src/db/conn.go", Line: 42},
					{Function: "example.com/db.TestCache", File: "/src/db/cache_test.go", Line: 17},
				},
				Serials: []uint64{12, 13, 14, 15, 16},
				Bundles: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"},
				More:    2,
			}},
		}},
		Allowed:        []leakcheck.AllowedType{{Name: "example.com/db.Pool", Live: 1, Max: 1, Reason: "one pool per process"}},
		GoroutineCheck: "checked those the test started",
		Settled:        leakcheck.Settling{Rounds: 2, Waited: 3 * time.Millisecond, CleanupsRun: 120},
	}
	fmt.Print(rep)
	// Output:
	// leakcheck: 7 tracked objects outlived TestCache (1 type)
	//
	// example.com/db.Conn: 7 live
	//   7 made at
	//       db.Dial (db/conn.go:42)
	//       db.TestCache (db/cache_test.go:17)
	//     serials: 12, 13, 14, 15, 16 and 2 more
	//     bundles: "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5" and 2 more
	//
	// allowed:
	//   example.com/db.Pool: 1 live, up to 1 allowed: one pool per process
	//
	// verdict: 2 garbage collections, 3ms waiting for 120 cleanups; goroutines: checked those the test started
}
