// Package leakcheck fails tests whose tracked objects outlive them, with a
// report that says what survived, how many, and where each was made.
//
// One line in TestMain checks a whole package:
//
//	func TestMain(m *testing.M) {
//		leakcheck.VerifyTestMain(m)
//	}
//
// and one line in a test checks that test alone, parallel tests included:
//
//	func TestPool(t *testing.T) {
//		leakcheck.Check(t)
//		...
//	}
//
// Objects are those registered with package trackable (trackable.Track,
// trackable.Watch) once a check is in effect. leakcheck sees every such
// object whatever tracker it has: installing another global tracker
// (trackable.SetGlobalTracker), or moving an object to another tracker
// (SetTracker), hides nothing. Types that opt out with the struct tag
// trackable:"-" and types named in IgnoreTypes stay out.
//
// Type names in options ("Conn", "db.Conn" or "example.com/db.Conn") are
// checked against the types of the program, which leakcheck lists from
// its binary: a name that names none of them fails the verdict that takes
// it, with the close names that the program has, in every run; the name
// of a real type that no test of the run tracked counts 0, so that one
// test run alone is judged as in the whole run.
//
// # Which test an object belongs to
//
// An object, or a goroutine, belongs to the innermost checked test whose
// goroutine made it, or any goroutine that this goroutine started, or
// that those started, at any depth. Check marks the test's goroutine
// with a pprof label, and the runtime passes a goroutine's labels on to
// every goroutine it starts; tracking an object reads the label of the
// goroutine that makes it (about a nanosecond). So the rule holds however
// many tests run in parallel, before or after t.Parallel, checked or not:
// a test is never blamed for another test's objects. A subtest that calls
// Check judges its own objects; the objects of a subtest that does not
// call it are its parent's.
//
// A goroutine can lose its test's label, or never get one: code under
// test that runs pprof.Do or pprof.SetGoroutineLabels with a context of
// its own replaces the goroutine's labels, and the runtime starts the
// goroutines of time.AfterFunc with none. Then, and only then, the object
// or goroutine belongs to the running checked test whose goroutine it is,
// or whose goroutine started it (goroutine ids), else to the running
// checked test whose function, or a closure defined in it, is on its
// stack: the most specific, or, for parallel rows that share one closure
// and are running then, their closest checked parent (a row whose
// siblings have all ended is the only candidate, and is blamed). What none of this reaches belongs to no
// test: objects of a worker pool started in init or TestMain, of a timer
// that fires after its test ended, of a testify method's timer (the
// method is not the test's function: testify's is), of Go functions that
// C code calls back on a thread that C created (the runtime gives the
// callback a goroutine that no goroutine started), and of goroutines two
// steps away from a test goroutine that lost its label. VerifyTestMain
// judges those when the run ends; in a package without it nothing does.
//
// A goroutine started on behalf of something shared belongs to the test
// that made it start: the connection goroutines of http.DefaultClient
// belong to the test whose request dialled the connection, even while
// another parallel test uses it. Give each test a client of its own, or
// close idle connections where the test ends.
//
// # A verdict you can trust
//
// A verdict first waits for the test's goroutines to end: what a test
// started gets a grace (Grace; by default goleak's back-off, 20 looks
// over about 0.43 s), which a goroutine that ends a little after its
// test and a timer that fires a little after it share alike. Objects
// that survive a collection get what the goroutines left of it, with
// a collection after each pause in which a goroutine started or ended.
//
// Timers: the runtime keeps a stopped timer, and what its function
// refers to, in its timer heaps until it gets round to dropping it (a
// connection whose idle timer Close stopped, the values of a context
// that cancel stopped). That is the runtime's bookkeeping: before it
// reports survivors, a verdict makes the runtime drop its stopped timers
// (it sets GOMAXPROCS to 1 for a moment, and back) and collects again.
// A timer still pending when the grace is spent holds what its function
// refers to: that is the test's, and the report names the timer, its
// function and when it is due ("a pending time.AfterFunc timer, due in
// 59.5s: its function, the method value db.(*Conn).Close, holds the
// receiver"; a context's deadline is named as such).
//
// Without -fuzz, Check(f) in a fuzz target judges its seed corpus when
// the target ends. Under go test -fuzz the inputs run in worker
// processes, and Check(f) judges them there as they run: every few
// hundred tracked objects, and at most once a grace, it judges the
// objects that inputs which have ended tracked; once any of them
// outlives its input, every input that tracks an object fails with the
// report, and the first is the failing input that go test records. It
// may not be the input that leaked (go test -run with the recorded input
// replays it, and Check(f) judges it then); Check(t) first in the fuzz
// function fails the very input, at the cost of a verdict for each.
// Goroutines that inputs which have ended started are judged at the same
// looks: one still running a grace after it was first seen fails the
// inputs likewise. Under -fuzz, objects are judged without retention
// paths (a worker has ten seconds for each input), and only at the looks
// that tracked objects trigger: a target whose inputs track nothing is
// judged in its seed corpus run, or by Check(t).
//
// As for objects: if every object
// of the test is freed already, it is done without a garbage collection.
// Otherwise it runs the collector and waits until the runtime's cleanup
// and finalizer queues are drained (the runtime/metrics counters of
// queued and executed cleanups), and repeats while that freed objects of
// the test; after a collection that freed none and ran no cleanup or
// finalizer at all, it runs one more (a sync.Pool drops its objects at
// the second), and what survives that is reported. A finalizer or a
// cleanup that holds an object releases it one round later: such chains
// are followed to the end (up to 64 links while other tests keep the
// collector busy). Parallel verdicts share collections: tests
// that end while another verdict's collection runs wait for the next one
// together. A finalizer or cleanup that blocks forever fails the verdict that
// finds it after the Budget, with its goroutine's stack, and is not
// waited for again: later verdicts are judged without waiting for
// finalizers (they run one at a time, so none runs after a blocked one),
// and where a blocked cleanup holds every goroutine that the runtime runs
// cleanups on (GOMAXPROCS/4, at least one), nothing freed can be told:
// each later verdict says so, without -v, and passes.
//
// Creation sites cost a few nanoseconds per frame: leakcheck walks frame
// pointers and interns call paths, and resolves them to names only when a
// report is written. The text shows the first six frames of a site and
// counts the others, but never hides the first frame of the tested
// package: an object made deep inside a library still shows the line of
// the test that led there.
//
// # What a test framework holds
//
// A framework may hold what its tests made after each test ends: a
// testify suite keeps its fields (s.conn, set in SetupTest and closed in
// TearDownTest) until the next method's SetupTest replaces them, and
// until suite.Run returns; Ginkgo keeps the variables its spec tree's
// closures capture for the whole run. What only the framework holds is
// not the test's leak. Check finds that it runs in a method of a testify
// suite (testify's suite.Run calls it), judges the method's goroutines at
// the method's end as usual, and judges the objects that survive it when
// the suite's test ends, after suite.Run has returned (for subtests run
// with s.Run and checked in SetupSubTest, when the top-level test that
// runs the suite ends): what is alive then
// fails the suite's test, with a report named by the method (what a later
// method or TearDownSuite lets go of is not reported; a suite kept in a
// package variable keeps its fields after suite.Run, and they are
// reported as held by it). Within and
// Framework do the same for any framework: the survivors of a verdict
// wait for Framework.Judge, which lets go of what only the framework's
// packages hold (one heap search, only when survivors remain) and reports
// the rest with their real holder. Package ginkgoext uses them for
// Ginkgo.
//
// # Goroutines
//
// Leaked goroutines often hold leaked objects, so the verdict checks them
// too. Check reports the goroutines of its test (by the rule above) that
// are still running, leaving out those that goleak leaves out by default
// (the loop of os/signal) and those that GoroutineOptions ignores.
// VerifyTestMain runs go.uber.org/goleak over the whole process after the
// tests (ignoring goroutines that existed before them) and reports its
// findings in the same report, failing once.
//
// Goroutines with the same stack, creation site and state are one entry
// of the report (Goroutine), with their count, the first ids (MaxShown)
// and the state, the frames and the "created by" line of the runtime's
// traceback; the text lists the largest entries and counts the others,
// so that ten thousand leaked goroutines make a few lines. Check finds
// its test's goroutines by their labels in the goroutine profile, which
// has no ids, and their ids in the traceback, which has no labels unless
// the program runs with GODEBUG=tracebacklabels=1: where goroutines of
// other tests have the same stack, who started them tells them apart,
// and those that nothing tells apart are counted as of unknown id.
//
// # What holds a survivor
//
// A failing verdict says, for each survivor it lists, what keeps it
// alive: a chain of references from a root of the garbage collector (a
// package-level variable, a goroutine's stack, a finalizer, a structure
// of the runtime) to it, the shortest from the roots searched first (the
// verdict's own goroutine, and what a Framework holds, are searched
// last), found in a heap dump of the process
// that the verdict writes and searches (Site.HeldBy; "held by:" in the
// text). From a package-level variable, the path reads as the Go
// expression that reaches the survivor, `db.cache.conns["10.0.0.1"]` or
// "db.config.Pools[0].Conns[2]", typed with the test binary's DWARF;
// where a type cannot be known, the objects that follow are listed by
// size. A verdict that passes writes none. Verdicts that fail at once
// share one dump. WithoutPaths, the OBJTRACK_LEAKCHECK_PATHS variable
// and PathsHeapLimit turn paths off or bound them.
package leakcheck
