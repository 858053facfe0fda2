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
// trackable.Watch). While a check is in effect, leakcheck installs its own
// global tracker, which records each object's type, bundle and creation
// site, and forwards every event to the global tracker it replaced, so a
// production Inventory keeps counting.
//
// # A verdict you can trust
//
// Verdicts never depend on timing. After the tests, leakcheck runs the
// garbage collector and waits until the runtime's cleanup and finalizer
// queues are empty (the runtime/metrics counters of queued and executed
// cleanups), and repeats while that freed any of the judged objects: a
// cleanup can drop the last reference to another object, and a chain of n
// such objects takes n rounds. A cleanup that blocks forever ends the wait
// after the Budget with a clear error, not a hang.
//
// Creation sites cost a few nanoseconds per frame: leakcheck walks frame
// pointers and interns call paths, and resolves them to names only when a
// report is written.
//
// # Parallel tests
//
// Check attributes each surviving object to one test, by this rule:
//
//  1. the running test whose function, or a closure inside it, appears in
//     the object's creation stack (the most specific one);
//  2. if several match equally (parallel subtests sharing one closure),
//     their closest parent test that called Check;
//  3. if none matches (the object was made on another goroutine), the only
//     checked test that was running, or the closest common parent;
//  4. otherwise no test: VerifyTestMain judges the object at the end.
//
// A test is never blamed for an object that another test could have made.
//
// # Goroutines
//
// Leaked goroutines often hold leaked objects, so the verdict checks them
// too. VerifyTestMain runs go.uber.org/goleak over the whole process after
// the tests (ignoring goroutines that existed before them) and reports its
// findings in the same report, failing once. Check looks only at the
// goroutines that its test started (ones its goroutine or its function
// started), so parallel tests never fail each other.
package leakcheck
