// Package inspect shows a trackable.Inventory from a running service,
// through the surfaces Go operators already use: an http.Handler to mount
// like net/http/pprof, an expvar variable, and a dump on a signal
// (SIGUSR1, as pytracker's users did) to a writer or a log/slog logger.
//
//	inv := trackable.NewInventory()
//	trackable.SetGlobalTracker(inv)
//	stopSampling, _ := inv.StartSampling(time.Minute, 0) // growth detection
//	defer stopSampling()
//	inspect.Register(inv)                  // /debug/objtrack/ on http.DefaultServeMux
//	_ = inspect.Publish("objtrack", inv)   // /debug/vars
//	defer inspect.DumpOnSignal(inv, os.Stderr)()
//
// Nothing here slows the service: every view renders a snapshot, which
// takes no lock that Track or a cleanup waits on, and writes it with no
// lock held, so a stuck client holds nothing.
package inspect
