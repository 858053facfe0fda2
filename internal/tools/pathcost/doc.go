// Package pathcost measures what retention paths add to a failing
// verdict: a Check that fails with 200 MB of live heap in the process,
// with paths and without (leakcheck.WithoutPaths), in the same run. Its
// benchmark is run by make bench-paths:
//
//	go test -run '^$' -bench FailingVerdict -benchtime 1x -count 5 ./internal/tools/pathcost/
//
// The bar: paths add at most 10 s to such a verdict on 2 cores, and at
// most about the heap's size again in memory (the peak-extra-MB metric:
// the highest heap in use while the verdict ran, above the heap before).
package pathcost
