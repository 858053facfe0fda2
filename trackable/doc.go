// Package trackable counts the objects that matter to a program, from the
// moment they are made until the garbage collector frees them.
//
// It is the Go port of Python's pytracker. A type opts in by embedding
// [Trackable] by value and by passing each new value to [Track], normally
// in its constructor:
//
//	type Conn struct {
//		trackable.Trackable
//		addr string
//	}
//
//	func Dial(addr string) *Conn {
//		return trackable.Track(&Conn{addr: addr})
//	}
//
// Each tracked object gets a unique serial number that increases
// monotonically across the program, an optional data bundle, and a
// [Tracker] that is told when the object is attached, detached, updated
// and destroyed. [SetGlobalTracker] chooses the tracker that [Track]
// attaches; [Inventory] is the default tracker: per-type live and retired
// counts, optional per-object records, and dumps that show the change
// since the previous dump.
//
// For a running service, an Inventory samples its per-type counts to find
// the types that keep growing ([Inventory.StartSampling]), snapshots can
// be diffed ([Snapshot.Diff]), and both log through log/slog; package
// inspect serves them over HTTP, expvar and signals.
//
// # Destruction
//
// The destroyed notification is sent by a cleanup registered with
// [runtime.AddCleanup], never by a finalizer: objects in reference cycles
// are collected normally and nothing is resurrected. Cleanups run on the
// runtime's cleanup goroutines some time after a garbage collection finds
// the object unreachable; code that needs an exact count calls [Settle],
// which forces collections and waits for the cleanup queue to drain.
//
// A data bundle must never reference its own object, directly or
// indirectly. The bundle is kept for the destroyed notification, so the
// runtime holds on to it until the object is freed; a bundle that leads
// back to the object keeps the object reachable forever, and the object
// is never reported destroyed. Use the serial number to relate a bundle
// to its object.
//
// # Differences from pytracker
//
// Go has no constructors, so registration is explicit ([Track]). Objects
// whose type cannot embed Trackable are registered with [Watch]. A type
// opts out of the global tracker with the struct tag trackable:"-" on its
// embedded Trackable field (pytracker's _disable_global_tracker).
// Copying a tracked struct copies its tracking state; go vet reports the
// copy (Trackable holds a no-copy guard), and passing the copy to [Track]
// gives it a serial of its own, as pytracker's copy and deepcopy do.
//
// # Encoding
//
// A struct that embeds Trackable encodes and decodes with encoding/json,
// encoding/xml and encoding/gob as if the embedding were not there:
// JSON and XML flatten the embedded struct, which has no exported fields,
// and gob sends it as an empty field that decoders of the same struct
// without the embedding ignore. A decoded value is a new, untracked object:
// pass it to [Track] to count it. See [Trackable] for comparing such
// structs in tests.
//
// # Concurrency and cost
//
// Every function and method is safe for concurrent use. Notifications are
// sent synchronously on the goroutine that caused them; destroyed
// notifications arrive on the runtime's cleanup goroutines. The
// notifications of one object are sent one at a time, in the order of the
// calls that caused them, and NotifyDestroyed always comes last, after
// every other notification of the object has returned. A tracker must
// therefore be safe for concurrent use and must not block: while it
// blocks, so does the code it observes. A tracker that panics is
// recovered, reported once per tracker and method (see [SetPanicHandler]),
// and the program carries on.
//
// Trackable adds 40 bytes to the struct that embeds it. Track allocates
// nothing beyond what [runtime.AddCleanup] itself does, plus what the
// tracker does: objects of a type share one tracking state until one gets
// a bundle or a tracker of its own. That costs one record of 64 bytes,
// once per object, so a bundle set before Track is cheaper than one set
// after. [Inventory] takes no lock on that path unless per-object records
// are enabled for the type.
package trackable
