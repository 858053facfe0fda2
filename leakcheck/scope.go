package leakcheck

import (
	"sync"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/owner"
)

// scope is one VerifyTestMain run or one checked test: its owner, which
// attribution finds (internal/owner), and what its verdict needs.
type scope struct {
	owner.Owner      // Name is the test's name, or "TestMain"
	main        bool // VerifyTestMain's scope
	all         bool // Find: every recorded object, whatever its scope
	cfg         *config
	// unknownNames describes the names in cfg's options that name no
	// type of the program: the verdict fails for them, whatever it finds.
	unknownNames []string
	// artifactDir is the test's ArtifactDir, where a failing verdict
	// keeps its heap dump under go test -artifacts (paths.go); nil when
	// the test has none.
	artifactDir func() string
	// since is the first serial that VerifyTestMain judges: objects
	// recorded before it began are not its. upTo, if not 0, is the last
	// serial that a verdict judges (fuzzing.go).
	since, upTo uint64
	// exclude names, by serial, survivors that the verdict leaves out:
	// those that only the framework of Within holds (framework.go).
	exclude map[uint64]bool
	// fuzz judges a fuzz target's inputs as they run, in a worker of go
	// test -fuzz (fuzzing.go); nil elsewhere.
	fuzz *fuzzWatch
	// grace counts the pauses of the verdict's grace (grace.go); judged
	// is set when the verdict begins (Find judges what is alive at once,
	// without a grace).
	grace  graceClock
	judged bool
	// goroutinesBefore is the number of goroutines started in the
	// process when the scope began (see waitForGoroutines).
	goroutinesBefore uint64
	// ignoredStacks says, by stack (goroutines.Key), whether the user's
	// options (GoroutineOptions) ignore the scope's goroutines with that
	// stack: goleak judges each stack once per scope (stillRunning,
	// which holds ignoredMu).
	ignoredMu     sync.Mutex
	ignoredStacks map[string]bool
}

// begin makes s active: objects and goroutines of the calling goroutine
// and its descendants are s's from now on. Its objects are recorded only
// once the observer is installed (installObserver).
func begin(s *scope) {
	s.goroutinesBefore = goroutines.Created()
	if s.main {
		s.since = reg.MaxSerial() + 1
		mainScope.Store(s)
	} else {
		owners.Begin(&s.Owner)
	}
	if s.cfg.stacks {
		sites.stacked.Add(1)
	}
}

// end makes s inactive. For a checked test, it is called on the test's
// goroutine, which gets its labels back.
func end(s *scope) {
	if s.cfg.stacks {
		sites.stacked.Add(-1)
	}
	if s.main {
		mainScope.CompareAndSwap(s, nil)
		return
	}
	owners.End(&s.Owner)
}
