package leakcheck_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
)

// TestMain in a package's tests: the whole run is judged once, at the
// end, objects and goroutines together.
func ExampleVerifyTestMain() {
	var m *testing.M // TestMain receives it
	leakcheck.VerifyTestMain(m,
		leakcheck.Allow("db.Pool", 1, "one pool per process"),
		leakcheck.ReportFile("leakcheck.json"))
}

// One line at the top of a test judges that test alone; it works in
// parallel tests.
func ExampleCheck() {
	var t *testing.T // the test's *testing.T
	leakcheck.Check(t)
	t.Parallel()
	// ... the test ...
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
