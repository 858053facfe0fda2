// Package heapdump reads the heap dumps of runtime/debug.WriteHeapDump
// and finds why objects are alive: for each object, a chain of pointers
// from a root (a package-level variable, a goroutine's stack, a
// finalizer) to it, the shortest from the first tier of roots that
// reaches it ([Graph.Paths]: a test framework's roots, the finalizers
// not yet queued and the frames of the goroutine that wrote the dump
// come after all others).
//
// The pieces, in the order a caller uses them:
//
//   - [Write] dumps the heap of the running process into a file.
//   - [ReadGraph] reads a dump into a [Graph]: the pointers between
//     objects, compact enough for the dump of a large heap (about 16
//     bytes per object and 8 per pointer field; object contents are not
//     kept). [Parse] reads every record of a dump, contents included, into
//     a [Dump].
//   - [Graph.Paths] searches the graph once, breadth first from every
//     root, for any number of target addresses, and returns a [Path] for
//     each. With a symbol table from package symbols, globals are named.
//   - [Path.Text] renders a path for a person, with no address in it.
//
// The format is read as runtime/heapdump.go writes it in Go 1.26, the
// only authority on it. Malformed input gives a [*FormatError] that says
// at which byte, reading what, and never makes the parser allocate more
// than the input holds.
//
// What a dump does not hold, a path cannot show: cleanups registered with
// runtime.AddCleanup are not in dumps, nor are the variables of plugins
// and other modules than the executable's; objects held only there are
// reported with no root. Objects carry no type in a dump: a path gives
// each object's size, not its type.
package heapdump
