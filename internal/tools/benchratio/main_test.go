package main

import (
	"strings"
	"testing"
)

func TestReportPairsFiguresWithinEachRun(t *testing.T) {
	in := `goos: linux
BenchmarkTrack/impl=floor-2         	1000	 100.0 ns/op	88 B/op
BenchmarkTrack/impl=track-2         	1000	 120.0 ns/op	152 B/op
BenchmarkOther-2                    	1000	  50.0 ns/op
PASS
BenchmarkTrack/impl=floor-2         	1000	 300.0 ns/op
BenchmarkTrack/impl=track-2         	1000	 330.0 ns/op
BenchmarkTrack/impl=floor-2         	1000	 200.0 ns/op
BenchmarkSettle/impl=floor          	10	 1e+08 ns/op
BenchmarkSettle/impl=leakcheck      	10	 1.5e+08 ns/op
`
	var out strings.Builder
	if err := report(&out, strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	// Track: runs give 1.2 and 1.1; the third run has no track figure.
	want := `ratio to the first implementation, within each run: median (min to max, runs)
Track                track / floor                1.15x (1.10x to 1.20x, 2)
Settle               leakcheck / floor            1.50x (1.50x to 1.50x, 1)
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestReportWithoutImplementationsPrintsOnlyTheHeader(t *testing.T) {
	var out strings.Builder
	if err := report(&out, strings.NewReader("BenchmarkX-2 10 5 ns/op\n")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n"); got != 1 {
		t.Errorf("got %d lines, want the header alone:\n%s", got, out.String())
	}
}
