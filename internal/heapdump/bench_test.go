package heapdump

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/objtrack/objtrack/internal/heapdump/symbols"
)

// benchNode is the bulk of the benchmark's heap: small structs linked in
// chains, named by strings, indexed by maps and slices.
type benchNode struct {
	next    *benchNode
	peer    *benchNode
	id      int
	name    string
	payload [4]uint64
}

// benchHeap is the live heap of BenchmarkPaths200MB.
var benchHeap struct {
	chains [][]*benchNode       // heads of chains, by group
	byID   []map[int]*benchNode // every fourth node
}

// buildBenchHeap allocates about mb megabytes of live heap and returns
// the addresses of targets at all depths.
func buildBenchHeap(mb int) []uint64 {
	const chainLen = 64
	benchHeap.chains, benchHeap.byID = nil, nil
	runtime.GC()
	nodes := mb << 20 / 108 // a node (80 B), its name (16 B), its share of maps and slices
	var targets []uint64
	var prev *benchNode
	group := []*benchNode(nil)
	byID := map[int]*benchNode{}
	for i := range nodes {
		n := &benchNode{id: i, name: "node-" + strconv.Itoa(i)}
		n.payload[0] = uint64(i)
		if i%chainLen == 0 {
			group = append(group, n)
			if len(group) == 1000 {
				benchHeap.chains = append(benchHeap.chains, group)
				group = nil
			}
		} else {
			prev.next = n
		}
		if i%4 == 0 {
			byID[i] = n
			if len(byID) == 100000 {
				benchHeap.byID = append(benchHeap.byID, byID)
				byID = map[int]*benchNode{}
			}
		}
		if i%1000 == 0 {
			n.peer = prev
		}
		if i%(nodes/100) == 7 {
			targets = append(targets, uint64(uintptr(unsafe.Pointer(n))))
		}
		prev = n
	}
	benchHeap.chains = append(benchHeap.chains, group)
	benchHeap.byID = append(benchHeap.byID, byID)
	return targets
}

// heapInUse is the memory of heap spans in use.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

// peakSampler records the highest heapInUse while it runs.
type peakSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

func samplePeak() *peakSampler {
	p := &peakSampler{stop: make(chan struct{}), peak: heapInUse()}
	p.done.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			p.peak = max(p.peak, heapInUse())
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	})
	return p
}

func (p *peakSampler) end() uint64 {
	close(p.stop)
	p.done.Wait()
	return max(p.peak, heapInUse())
}

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
	targets := buildBenchHeap(200)
	runtime.GC()
	base := heapInUse()
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
		runtime.GC()
		base = heapInUse()
		peak := samplePeak()
		start = time.Now()
		g, err := ReadGraphFile(path)
		if err != nil {
			b.Fatal(err)
		}
		read := time.Since(start)
		readPeak := peak.end() - base
		peak = samplePeak()
		start = time.Now()
		paths := g.Paths(targets, SearchOptions{Symbols: table})
		searched := time.Since(start)
		searchPeak := peak.end() - base
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
