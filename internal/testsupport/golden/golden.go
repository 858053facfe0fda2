// Package golden compares human-readable output with the files kept in the
// module's top-level testdata/ folder. Run the tests with -update to
// rewrite the files from what the code prints now.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// TestingT is the part of testing.T that Assert uses.
type TestingT interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// Path returns the path of a golden file: testdata/<name> at the root of
// the module.
func Path(t TestingT, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", filepath.FromSlash(name))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("golden: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Assert fails the test when got differs from the golden file name, and
// shows both. With -update it writes got to the file instead.
func Assert(t TestingT, name string, got []byte) {
	t.Helper()
	path := Path(t, name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden: %v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

var (
	verdictLine = regexp.MustCompile(`verdict: \d+ garbage collections?, [0-9.]+[µnm]?s waiting for \d+ cleanups?`)
	serialList  = regexp.MustCompile(`serials: [0-9, ]+`)
	goroutineID = regexp.MustCompile(`\bgoroutine \d+\b`)
	testTime    = regexp.MustCompile(`\(\d+\.\d+s\)`)
	heldSerials = regexp.MustCompile(`(-> \*\S+  serials?) [0-9, ]+`)
	idList      = regexp.MustCompile(`\bids [0-9]+(?:, [0-9]+)*`)
	dueIn       = regexp.MustCompile(`\bdue in [0-9hmµns.]+`)
	keySerial   = regexp.MustCompile(`(\[\*\S+ serial) \d+\]`)
)

// NormalizeReport replaces what changes from run to run in leakcheck's
// reports and go test's output, so that they can be compared with golden
// files: the verdict's counts and time, serial numbers (one # each, in
// serial lists, at the end of retention paths and in a map's pointer
// key, m[*T serial #]), goroutine ids (one N
// each in lists of ids), test durations and when timers are due.
func NormalizeReport(s string) string {
	s = verdictLine.ReplaceAllString(s, "verdict: N garbage collections, T waiting for N cleanups")
	s = serialList.ReplaceAllStringFunc(s, func(list string) string {
		n := strings.Count(list, ",") + 1
		return "serials: " + strings.TrimSuffix(strings.Repeat("#, ", n), ", ")
	})
	s = heldSerials.ReplaceAllStringFunc(s, func(line string) string {
		m := heldSerials.FindStringSubmatch(line)
		n := strings.Count(line, ",") + 1
		return m[1] + " " + strings.TrimSuffix(strings.Repeat("#, ", n), ", ")
	})
	s = keySerial.ReplaceAllString(s, "$1 #]")
	s = goroutineID.ReplaceAllString(s, "goroutine N")
	s = idList.ReplaceAllStringFunc(s, func(list string) string {
		n := strings.Count(list, ",") + 1
		return "ids " + strings.TrimSuffix(strings.Repeat("N, ", n), ", ")
	})
	s = dueIn.ReplaceAllString(s, "due in D")
	return testTime.ReplaceAllString(s, "(T)")
}
