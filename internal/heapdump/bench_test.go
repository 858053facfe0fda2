package heapdump

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/heapdump/symbols"
	"github.com/objtrack/objtrack/internal/testsupport/bigheap"
)

// benchHeap is the live heap of BenchmarkPaths200MB.
var benchHeap *bigheap.Heap

// BenchmarkPaths200MB is the cost of retention paths on a 200 MB live
// heap: writing the dump, reading its graph, searching it for 100
// targets. Run it alone:
//
//	go test -run '^$' -bench Paths200MB -benchtime 1x ./internal/heapdump/
//
// It reports, besides the time of each step, the peak of heap memory in
// use while reading and while searching (the Graph included), above the
// heap in use after the dump is written and the heap collected (the
// program's own heap). The
// symbol table's rebuild, done once per process, is timed before the
// loop.
func BenchmarkPaths200MB(b *testing.B) {
	start := time.Now()
	table, err := symbols.ForProcess(context.Background(), symbols.Options{})
	symbolsTime := time.Since(start)
	if err != nil {
		b.Logf("globals unnamed: %v", err)
	}
	benchHeap = nil
	runtime.GC()
	benchHeap = bigheap.Build(200)
	targets := benchHeap.Targets
	base := bigheap.Collect()
	b.Logf("live heap: %d MB in use, %d targets", base>>20, len(targets))
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		path, err := Write(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		wrote := time.Since(start)
		st, _ := os.Stat(path)
		base = bigheap.Collect()
		peak := bigheap.SamplePeak()
		start = time.Now()
		g, err := ReadGraphFile(path)
		if err != nil {
			b.Fatal(err)
		}
		read := time.Since(start)
		readPeak := peak.End() - base
		peak = bigheap.SamplePeak()
		start = time.Now()
		paths := g.Paths(targets, SearchOptions{Symbols: table})
		searched := time.Since(start)
		searchPeak := peak.End() - base
		for _, p := range paths {
			if !p.Found() {
				b.Fatalf("no path to %#x", p.Target)
			}
		}
		b.ReportMetric(symbolsTime.Seconds(), "symbols-s")
		b.ReportMetric(wrote.Seconds(), "write-s")
		b.ReportMetric(read.Seconds(), "read-s")
		b.ReportMetric(searched.Seconds(), "search-s")
		b.ReportMetric(float64(readPeak>>20), "read-peak-MB")
		b.ReportMetric(float64(searchPeak>>20), "search-peak-MB")
		b.ReportMetric(float64(st.Size()>>20), "dump-MB")
		b.Logf("heap %d MB, dump %d MB, %d objects; write %v, read %v, search %v; peak extra %d MB reading, %d MB searching; longest path %d",
			base>>20, st.Size()>>20, g.NumObjects(), wrote, read, searched, readPeak>>20, searchPeak>>20, longest(paths))
		b.Logf("a path:\n%s", paths[len(paths)/2].RootText())
		runtime.KeepAlive(g)
		os.Remove(path)
	}
}

func longest(paths []Path) int {
	n := 0
	for _, p := range paths {
		n = max(n, len(p.Steps))
	}
	return n
}
