package leakcheck

import (
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/padded"
	"github.com/objtrack/objtrack/internal/registry"
)

// scope is one VerifyTestMain run or one checked test.
type scope struct {
	num  uint32 // its number in the scope table; 0 for VerifyTestMain
	name string // the test's name, or "TestMain"
	fn   string // the test's function, for attribution by stack (fallback.go)
	goid int    // the id of the test's goroutine, for the same
	main bool   // VerifyTestMain's scope
	all  bool   // Find: every recorded object, whatever its scope
	cfg  *config
	// unknownNames describes the names in cfg's options that name no
	// type of the program: the verdict fails for them, whatever it finds.
	unknownNames []string
	// artifactDir is the test's ArtifactDir, where a failing verdict
	// keeps its heap dump under go test -artifacts (paths.go); nil when
	// the test has none.
	artifactDir func() string
	// ambient is set for scopes of frameworks that run one spec at a time
	// on goroutines of their own (Ginkgo): objects made by goroutines
	// that no checked test started count against the ambient scope.
	ambient bool
	// labels is the label set that marks the test's goroutine and its
	// descendants; previous is the one it replaced.
	labels, previous ancestry.Labels
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
	// made and freed count the scope's recorded objects: a verdict with
	// none alive forces no collection. Two counters, each on its cache
	// line, because the goroutines that make objects and the runtime's
	// cleanup goroutines that free them would fight over one.
	made, freed padded.Int64
}

// live returns the number of s's recorded objects not yet freed.
func (s *scope) live() int {
	freed := s.freed.Load() // first: every object it counts was made before
	return int(s.made.Load() - freed)
}

// The scope table (scopes, in state.go) is made of chunks of entries,
// made as numbers are handed out.
const tableChunkBits = 12

type tableChunk [1 << tableChunkBits]atomic.Pointer[scope]

// register gives s a number and enters it in the table. If numbers ran
// out (8 million checked tests in one process), s gets 0 and judges
// nothing by ancestry.
func register(s *scope) {
	n := scopes.next.Add(1)
	if n > registry.MaxScope {
		return
	}
	s.num = n
	c := scopes.chunks[n>>tableChunkBits].Load()
	if c == nil {
		scopes.mu.Lock()
		if c = scopes.chunks[n>>tableChunkBits].Load(); c == nil {
			c = new(tableChunk)
			scopes.chunks[n>>tableChunkBits].Store(c)
		}
		scopes.mu.Unlock()
	}
	c[n&(1<<tableChunkBits-1)].Store(s)
}

// unregister clears s's entry: its objects, if still alive, are
// VerifyTestMain's to judge.
func unregister(s *scope) {
	if s.num == 0 {
		return
	}
	scopes.chunks[s.num>>tableChunkBits].Load()[s.num&(1<<tableChunkBits-1)].Store(nil)
}

// scopeNumbered returns the active scope numbered n, or nil.
func scopeNumbered(n uint32) *scope {
	if n == 0 {
		return nil
	}
	c := scopes.chunks[n>>tableChunkBits%uint32(len(scopes.chunks))].Load()
	if c == nil {
		return nil
	}
	return c[n&(1<<tableChunkBits-1)].Load()
}

type labelEntry struct {
	labels ancestry.Labels
	num    uint32
}

// numberOf returns the scope number that label set l carries.
func numberOf(l ancestry.Labels) uint32 {
	h := uint64(uintptr(unsafe.Pointer(l))) * 0x9E3779B97F4A7C15 >> 56
	slot := &labelCache[h]
	if e := slot.Load(); e != nil && e.labels == l {
		return e.num
	}
	e := &labelEntry{labels: l}
	if v, ok := ancestry.Value(l); ok {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			e.num = uint32(n)
		}
	}
	slot.Store(e)
	return e.num
}

// currentScope returns the scope that an object made now on the calling
// goroutine belongs to: the checked test that the goroutine descends
// from, else the ambient scope, else nil. labelled says whether the
// goroutine carries a checked test's label at all (ended or not).
func currentScope() (s *scope, labelled bool) {
	if l := ancestry.Current(); l != nil {
		if n := numberOf(l); n != 0 {
			return scopeNumbered(n), true
		}
	}
	return scopes.ambient.Load(), false
}

// begin makes s active: objects and goroutines of the calling goroutine
// and its descendants are s's from now on. Its objects are recorded only
// once the observer is installed (installObserver).
func begin(s *scope) {
	s.goroutinesBefore = goroutines.Created()
	if s.main {
		s.since = reg.MaxSerial() + 1
		scopes.main.Store(s)
	} else {
		register(s)
		if s.num != 0 {
			s.labels, s.previous = ancestry.Mark(strconv.FormatUint(uint64(s.num), 10))
		}
		if s.ambient {
			scopes.ambient.Store(s)
		}
		if s.fn != "" {
			addFunctionScope(s)
		}
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
		scopes.main.CompareAndSwap(s, nil)
		return
	}
	unregister(s)
	if s.fn != "" {
		removeFunctionScope(s)
	}
	if s.ambient {
		scopes.ambient.CompareAndSwap(s, nil)
	}
	if s.num != 0 && ancestry.Current() == s.labels {
		ancestry.Restore(s.previous)
	}
}
