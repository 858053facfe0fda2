// Package pathcost measures what retention paths add to a failing
// verdict: a Check that fails with 200 MB of live heap in the process,
// without paths (leakcheck.WithoutPaths, impl=nopaths), with untyped
// paths (objects listed by size: OBJTRACK_LEAKCHECK_PATHS=untyped,
// impl=untyped) and with typed paths (Go expressions, read from the
// binary's DWARF: impl=paths), in the same run. Its benchmark is run by
// make bench-paths:
//
//	go test -run '^$' -bench FailingVerdict -benchtime 1x -count 5 ./internal/tools/pathcost/
//
// The bars: paths add at most 10 s to such a verdict on 2 cores, and at
// most about the heap's size again in memory (the peak-extra-MB metric:
// the highest heap in use while the verdict ran, above the heap before);
// typed paths cost at most 1.5 times untyped ones. The symbol table and
// the DWARF are read once per process, by the first verdict with paths,
// which the benchmark runs before it measures.
package pathcost
