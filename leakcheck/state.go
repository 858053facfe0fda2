package leakcheck

import (
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/flight"
	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/registry"
)

// The state of package leakcheck, all of it, in one place. It is process
// wide because what it observes is: package trackable tells one observer
// about every tracked object of the process, on the goroutine that tracks
// it (observer.go), and a pprof label, which the runtime passes to every
// goroutine a test starts, names the checked test it belongs to. So the
// objects' slots (the registry), the table from a label's number to its
// test (the scopes), and what Check, VerifyTestMain and the frameworks
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

// Checked tests: the scope table (scope.go).

// scopes maps scope numbers, which slots and labels hold, to scopes. A
// number is never reused; its entry is cleared once the test is judged,
// so that a finished test keeps no memory but its 8-byte entry.
var scopes struct {
	next   atomic.Uint32 // the last number handed out
	chunks [(registry.MaxScope + 1) >> tableChunkBits]atomic.Pointer[tableChunk]
	mu     sync.Mutex // guards making chunks
	// main is VerifyTestMain's scope while it runs; ambient the innermost
	// ambient scope.
	main    atomic.Pointer[scope]
	ambient atomic.Pointer[scope]
}

// labelCache remembers, for the label sets seen last, the scope number
// they carry (0: none), so that finding the scope of the goroutine that
// tracks an object costs a load and a comparison. An entry holds its
// label set, which therefore cannot be freed and its address reused while
// the entry exists: what the address says never changes.
var labelCache [256]atomic.Pointer[labelEntry]

// Objects and goroutines without a test's label (fallback.go).

// scopesChanged and uselessIDs note the creation sites whose goroutine
// ids tell no test (see idsUseless).
var (
	scopesChanged atomic.Uint64 // bumped when a scope with a function begins
	uselessIDs    sync.Map      // stack.ID -> *uselessCount
)

// withFunctions is the list of active scopes that know their test's
// function, copied on change.
var withFunctions struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*scope]
}

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
