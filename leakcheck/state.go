package leakcheck

import (
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/flight"
	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/owner"
	"github.com/objtrack/objtrack/internal/registry"
)

// The state of package leakcheck, all of it, in one place. It is process
// wide because what it observes is: package trackable tells one observer
// about every tracked object of the process, on the goroutine that tracks
// it (observer.go), and a pprof label, which the runtime passes to every
// goroutine a test starts, names the checked test it belongs to. So the
// objects' slots (the registry), the table from a label's number to its
// test (the owners), and what Check, VerifyTestMain and the frameworks
// share between tests live here, each with why it exists; nothing else
// in the package holds state between calls. Tables computed once and
// only read after (hiddenFrames, testedPrefixes) stay beside the code
// that reads them.

// Objects: the registry (internal/registry) and their creation sites
// (sites.go).

// reg is the registry of tracked objects: one per process, fed by the
// observer that package trackable tells about every tracked object (see
// observer.go).
var reg registry.Registry

// sites records the creation site of each object tracked while a scope
// that wants them is active, and resolves them for reports.
var sites siteTable

// Checked tests: their owners (internal/owner), which the labels of their
// goroutines number.

// owners holds the active checked tests, by the numbers that slots and
// labels hold, and finds the owner of a goroutine that lost its test's
// label by its id or its stack.
var owners owner.Table

// mainScope is VerifyTestMain's scope while it runs: every object tracked
// then is recorded, whoever made it.
var mainScope atomic.Pointer[scope]

// Check (check.go).

// checked holds the tests that called Check and have not been judged.
var checked sync.Map // TestingT -> struct{}

// testify suites (testify.go).

// testifySuites holds the Framework of each suite's test that is running:
// *testing.T -> *Framework.
var testifySuites sync.Map

// The observer that package trackable tells (observer.go).

// installOnce installs the observer once, at the first check.
var installOnce sync.Once

// Goroutine verdicts (goroutines.go).

// profiles shares goroutine profiles among verdicts, as collections are
// shared: verdicts of parallel tests that end together read one profile
// taken after they all asked. A profile walks the stack of every
// goroutine, the paused parallel tests' too.
var profiles flight.Group[map[string][]goroutines.Group]

// Retention paths (paths.go).

// dumps shares heap dumps between verdicts that fail at once (parallel
// tests that leak alike): each gets the graph of a dump written after it
// asked, which holds its survivors, and searches it for its own.
var dumps flight.Group[dumpResult]

// VerifyTestMain (testmain.go).

// The process exit and standard error go through variables so that
// VerifyTestMain can be tested without exiting.
var (
	osExit           = os.Exit
	stderr io.Writer = os.Stderr
)
