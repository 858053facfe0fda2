package leakcheck

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/objtrack/objtrack/internal/registry"
	"github.com/objtrack/objtrack/internal/settle"
)

// Test frameworks keep what their tests made after each test ends: a
// Ginkgo container variable (var c *Conn, set in BeforeEach) holds its
// last value for the whole run, captured by closures of the spec tree; a
// testify suite's fields hold theirs until the next method's setup, or
// until suite.Run returns. What only the framework holds is not the
// test's leak. A verdict Within a Framework therefore hands its
// survivors over instead of failing: Framework.Judge judges them once the
// framework has let go of what it can, and tells what it keeps for ever
// from what anything else holds with one search of the heap.

// A Framework finishes the verdicts of the tests that run within it
// (Within): the survivors of each wait until Judge, which a framework's
// integration calls where the framework has let go of what its tests
// made (ginkgoext calls it at the end of the suite). It is safe for
// concurrent use.
type Framework struct {
	packages  []string
	variables [][2]uint64 // address ranges of the framework's variables
	mu        sync.Mutex
	waiting   []*scope
}

// NewFramework returns a Framework whose packages (import paths, each
// with the packages under it) hold what the framework keeps of its tests:
// for Ginkgo, "github.com/onsi/ginkgo/v2". A survivor that only their
// variables and goroutine frames keep alive when Judge runs is not a
// leak; one that anything else keeps (a package variable of the program,
// a registry, a goroutine, a cache), alone or beside them, is. With no
// packages, every survivor at Judge is a leak: for a framework that has
// let go of everything by then.
func NewFramework(packages ...string) *Framework {
	for _, p := range packages {
		if p == "" || strings.ContainsAny(p, " \t\n") {
			panic(fmt.Sprintf("leakcheck: NewFramework(%q): give the import paths of the framework's packages, such as \"github.com/onsi/ginkgo/v2\"", p))
		}
	}
	return &Framework{packages: slices.Clone(packages)}
}

// Within says that the test runs within framework fw, which may keep its
// objects after it ends: the verdict of Check judges the test's
// goroutines as usual, and fails at once for what Check itself reports
// (misspelt names); objects that survive a collection wait for
// fw.Judge, which reports them against the test's name. It is for a
// framework's integration (ginkgoext uses it); Check finds testify
// suites by itself.
func Within(fw *Framework) Option {
	if fw == nil {
		panic("leakcheck: Within(nil): pass the Framework from NewFramework")
	}
	return optionFunc(func(c *config) { c.within = fw })
}

// KeepsIn names the package variables of the framework that hold what
// it keeps, as pointers to them (&v), so that Judge tells them from the
// program's variables by their addresses. Without them, Judge names
// variables with the program's symbol table, which a test binary lacks:
// it rebuilds the binary with one, once per process, which takes about a
// second. Given variables, Judge takes them for all of the framework's
// that matter, and searches without a symbol table when it has none. It
// returns fw, and panics if a value is not a non-nil pointer.
func (fw *Framework) KeepsIn(vars ...any) *Framework {
	for _, v := range vars {
		p := reflect.ValueOf(v)
		if p.Kind() != reflect.Pointer || p.IsNil() {
			panic(fmt.Sprintf("leakcheck: Framework.KeepsIn(%T): pass a pointer to the framework's variable (&v)", v))
		}
		start := uint64(p.Pointer())
		fw.variables = append(fw.variables, [2]uint64{start, start + uint64(p.Type().Elem().Size())})
	}
	return fw
}

// wait hands over the survivors of scope s, whose verdict has run.
func (fw *Framework) wait(s *scope) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.waiting = append(fw.waiting, s)
}

// Judge judges the survivors of every test that waits, and fails t with a
// report for each test that leaked, named by that test: what is still
// alive after a collection, held by anything other than the framework's
// packages, and still so after the grace (one for all of them), is a
// leak, reported with that holder. Survivors that only the framework
// holds are let go, and are not judged again. Telling the two apart takes
// one heap dump, written only when survivors remain (and one more, after
// the grace, for those that were not the framework's); where none can be
// written or searched (a live heap above PathsHeapLimit, no symbol
// table), Judge fails t with the cause rather than guess.
func (fw *Framework) Judge(t TestingT) {
	t.Helper()
	fw.mu.Lock()
	waiting := fw.waiting
	fw.waiting = nil
	fw.mu.Unlock()
	if len(waiting) == 0 {
		return
	}
	nums := make(map[uint32]*scope, len(waiting))
	for _, s := range waiting {
		nums[s.Num] = s
	}
	var theirs map[uint64]bool // survivors that only the framework holds
	mine := func(serial uint64, w registry.Slot) bool {
		return !w.Reported() && nums[w.Scope()] != nil && !theirs[serial]
	}
	count := func() int { return len(reg.Collect(mine)) }
	// One settling and one grace for all: each test's verdict settled
	// already, and a framework's tests run one after another.
	first := waiting[0]
	res := settle.Until(first.cfg.budget, count)
	if res.Settled && count() > 0 && settle.DropStoppedTimers() {
		// A stopped timer's function would hold what it refers to, from a
		// root that is not the framework's.
		res = addResults(res, settle.Until(first.cfg.budget, count))
	}
	if res.StillBlocked() {
		msg := fmt.Sprintf("leakcheck: %s not judged: %v; the verdict that found it failed", testList(waiting), res.Err())
		t.Logf("%s", msg)
		fmt.Fprintln(stderr, msg)
		return
	}
	if err := res.Err(); err != nil {
		t.Errorf("leakcheck: cannot judge %s: the garbage collector did not settle: %v", testList(waiting), err)
		return
	}
	// What only the framework holds first, so that the grace is waited
	// for the others only: a container variable never lets go within it.
	for round := 0; round < 2; round++ {
		survivors := reg.Collect(mine)
		if len(survivors) == 0 {
			return
		}
		held, err := fw.held(survivors, first.cfg)
		if err != nil {
			t.Errorf("leakcheck: cannot judge %s: %d tracked objects survive, and %v", testList(waiting), len(survivors), err)
			return
		}
		theirs = mergeSerials(theirs, held)
		if round == 0 && count() > 0 {
			// A goroutine that ends, a timer that fires, may let go of
			// the others within the grace; what is left then is searched
			// again, as what they held may be the framework's too.
			first.judged = true
			waitOutGrace(first, settle.Result{Settled: true}, count)
		}
	}
	left := map[uint32]bool{}
	for _, o := range reg.Collect(mine) {
		left[o.Scope] = true
	}
	for _, s := range waiting {
		if !left[s.Num] {
			continue
		}
		s.exclude = theirs
		s.grace.slept = s.cfg.grace // the grace is spent
		s.judged = true
		rep, err := judge(s)
		var notJudged errNotJudged
		switch {
		case errors.As(err, &notJudged):
			t.Logf("%v", err)
			fmt.Fprintf(stderr, "%v\n", err)
			continue
		case err != nil:
			t.Errorf("%v", err)
			continue
		}
		if rep.Leaked() {
			reg.MarkReported(rep.leaked)
			t.Errorf("%s", rep)
		}
	}
}

// held returns, by serial, the survivors that only the framework's
// packages hold: one heap search for all of them. With no packages, none.
func (fw *Framework) held(survivors []registry.Object, cfg *config) (map[uint64]bool, error) {
	theirs := map[uint64]bool{}
	if len(fw.packages) == 0 && len(fw.variables) == 0 {
		return theirs, nil
	}
	targets := make([]uint64, len(survivors))
	for i, o := range survivors {
		targets[i] = uint64(o.Addr)
	}
	paths, note := searchHolders(targets, holderSearch{
		budget: cfg.budget, heapLimit: cfg.pathsHeap, framework: fw.packages, frameworkVars: fw.variables,
		needNames: len(fw.variables) == 0, noNames: len(fw.variables) > 0,
	})
	if paths == nil {
		return nil, fmt.Errorf("what holds them cannot be told apart from what %s holds: the heap search was %s", strings.Join(fw.packages, ", "), note)
	}
	for i, p := range paths {
		if p.framework || p.freed {
			theirs[survivors[i].Serial] = true
		}
	}
	return theirs, nil
}

// testList names the tests of scopes: "TestA, TestB and 3 more".
func testList(scopes []*scope) string {
	var names []string
	for i, s := range scopes {
		if i == 3 {
			names = append(names, fmt.Sprintf("%d more", len(scopes)-3))
			break
		}
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
