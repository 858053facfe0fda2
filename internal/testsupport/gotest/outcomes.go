package gotest

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Outcome is what one test did in one run of a test binary with -test.v,
// over every round of -test.count and -test.cpu.
type Outcome struct {
	Passed, Failed, Skipped int
	Longest                 time.Duration // the longest round
	Output                  string        // what the test printed, every round
}

// frame matches the lines that -test.v prints about a test: starting,
// pausing, continuing or ending, or which test the next lines of output
// belong to. (-test.v=test2json would mark them better, but it also
// sends os.Stderr to standard output, and some tests judge standard
// error.)
var frame = regexp.MustCompile(`^(?:=== (?:RUN|PAUSE|CONT|NAME) +(\S*)|\s*--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\))`)

// Outcomes reads the standard output of a test binary run with -test.v:
// the outcome of each test that started, by its full name (TestA/sub),
// with the output that belongs to it.
func Outcomes(stdout string) map[string]Outcome {
	tests := map[string]*Outcome{}
	output := map[string]*strings.Builder{}
	get := func(name string) *Outcome {
		o := tests[name]
		if o == nil {
			o = &Outcome{}
			tests[name] = o
			output[name] = &strings.Builder{}
		}
		return o
	}
	current := ""
	for line := range strings.Lines(stdout) {
		m := frame.FindStringSubmatch(line)
		switch {
		case m == nil:
			if current != "" {
				get(current)
				output[current].WriteString(line)
			}
		case m[2] == "":
			current = m[1]
			if current != "" {
				get(current)
			}
		default:
			current = m[3]
			o := get(current)
			switch m[2] {
			case "PASS":
				o.Passed++
			case "FAIL":
				o.Failed++
			case "SKIP":
				o.Skipped++
			}
			if secs, err := strconv.ParseFloat(m[4], 64); err == nil {
				o.Longest = max(o.Longest, time.Duration(secs*float64(time.Second)))
			}
		}
	}
	outcomes := make(map[string]Outcome, len(tests))
	for name, o := range tests {
		o.Output = output[name].String()
		outcomes[name] = *o
	}
	return outcomes
}
