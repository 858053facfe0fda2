// Command benchratio prints, for each benchmark with sub-benchmarks named
// impl=..., the ratio of every implementation to the first one (the
// floor) within the same run, over all runs in a go test -bench output:
// the median, the range and the number of runs.
//
// benchstat compares medians taken over all runs. On a machine whose
// speed changes from run to run, the ratio within each run is steadier,
// because both figures of a run were measured in the same spell.
//
// Usage: go run ./internal/tools/benchratio bench.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchratio bench.txt")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	if err := report(os.Stdout, f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// line matches "BenchmarkName/impl=x-2   1000   123.4 ns/op ...".
var line = regexp.MustCompile(`^(Benchmark[^/\s]+)/impl=(\S+?)(-\d+)?\s+\d+\s+([0-9.e+]+) ns/op`)

// family is one benchmark's implementations, in the order first seen.
type family struct {
	name  string
	impls []string
	runs  []map[string]float64 // one map per run: impl -> ns/op
}

func report(w io.Writer, r io.Reader) error {
	var families []*family
	byName := map[string]*family{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name, impl := strings.TrimPrefix(m[1], "Benchmark"), m[2]
		ns, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			return fmt.Errorf("benchratio: %q: %w", sc.Text(), err)
		}
		fam := byName[name]
		if fam == nil {
			fam = &family{name: name}
			byName[name] = fam
			families = append(families, fam)
		}
		if !slices.Contains(fam.impls, impl) {
			fam.impls = append(fam.impls, impl)
		}
		// A figure already seen for impl starts the next run.
		if n := len(fam.runs); n == 0 || hasKey(fam.runs[n-1], impl) {
			fam.runs = append(fam.runs, map[string]float64{})
		}
		fam.runs[len(fam.runs)-1][impl] = ns
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(w, "ratio to the first implementation, within each run: median (min to max, runs)")
	for _, fam := range families {
		base := fam.impls[0]
		for _, impl := range fam.impls[1:] {
			var ratios []float64
			for _, run := range fam.runs {
				if b, ok := run[base]; ok && b > 0 {
					if v, ok := run[impl]; ok {
						ratios = append(ratios, v/b)
					}
				}
			}
			if len(ratios) == 0 {
				continue
			}
			slices.Sort(ratios)
			fmt.Fprintf(w, "%-20s %-28s %.2fx (%.2fx to %.2fx, %d)\n",
				fam.name, impl+" / "+base, median(ratios), ratios[0], ratios[len(ratios)-1], len(ratios))
		}
	}
	return nil
}

func hasKey(m map[string]float64, k string) bool {
	_, ok := m[k]
	return ok
}

// median of sorted, non-empty xs.
func median(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
