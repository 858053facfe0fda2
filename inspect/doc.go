// Package inspect shows a trackable.Inventory from a running service,
// through the surfaces Go operators already use: an http.Handler to mount
// like net/http/pprof, serving text for curl, JSON for programs and a page
// for browsers; a variable for expvar; and a dump on a signal (SIGUSR1, as
// pytracker's users did) to a writer or a log/slog logger.
//
//	inv := trackable.NewInventory()
//	trackable.SetGlobalTracker(inv)
//	stopSampling, _ := inv.StartSampling(time.Minute, 0) // growth detection
//	defer stopSampling()
//	inspect.Register(inv)                           // /debug/objtrack/ on http.DefaultServeMux
//	expvar.Publish("objtrack", inspect.Var(inv))    // /debug/vars, if the program serves it
//	defer inspect.DumpOnSignal(inv, os.Stderr)()    // kill -USR1 <pid>
//
// Importing the package registers nothing, on any mux: Register mounts
// the handler when called, and the package does not import expvar.
//
// Every surface shows the same view of the inventory, one line per type
// with its "live" and "retired" counts, then the types that keep growing.
// Object records, whose bundles are the program's data, appear only
// where they are asked for (debug=1, ObjectRecords), a few per type, the
// rest counted on a "... n more" line; in every text view a bundle takes
// one line, its control characters escaped.
//
// Nothing here slows the service: every view renders a snapshot, which
// takes no lock that Track or a cleanup waits on, and writes it with no
// lock held, so a stuck client holds nothing. A request does bounded work
// and gets a bounded answer, whatever its query.
package inspect
