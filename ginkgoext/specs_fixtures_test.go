package ginkgoext_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/objtrack/objtrack/internal/gotest"
)

// The spec fixtures are Ginkgo suites under testdata/specs, one package
// per case, that pin what ginkgoext.CheckSpecs decides where Ginkgo's own
// machinery (DeferCleanup, Ordered containers, container variables) holds
// or releases objects. TestSpecFixtures builds each suite once with -race
// and runs it in 20 processes, each with its own order of the specs
// (-ginkgo.randomize-all, seeds 1 to 20), since Ginkgo refuses -count;
// then 20 times under the ginkgo command with -p (two processes, which
// take the specs in turn), with the same seeds. Every run must give every spec the same
// verdict: the specs that specCase.leaks names fail, with a leakcheck
// report whose failure message matches the patterns given, and every
// other spec passes. The verdicts are read from Ginkgo's JSON report.
type specCase struct {
	pkg   string
	specs int // the specs of the suite: each run must run them all
	// leaks maps the full text of each spec that must fail (for an
	// Ordered container, its last spec) to regular expressions that its
	// failure message must match.
	leaks map[string][]string
	// absent are strings that no failure message may contain.
	absent []string
}

// outlived matches the headline of a report that n tracked objects
// outlived what a verdict judged: a spec's full text, or "Ordered
// container" and the container's text.
func outlived(n int, name string) string {
	return fmt.Sprintf(`(?m)^leakcheck: %d tracked objects? outlived %s \(`, n, regexp.QuoteMeta(name))
}

var specCases = []specCase{
	{pkg: "deferclean", specs: 11, leaks: map[string][]string{
		"DeferCleanup leaks a connection that it never closes": {
			outlived(1, "DeferCleanup leaks a connection that it never closes"),
			`deferclean\.Conn: 1 live`, `"never closed"`,
		},
		"DeferCleanup in an Ordered container whose BeforeAll leaks runs last": {
			outlived(1, "Ordered container DeferCleanup in an Ordered container whose BeforeAll leaks"),
			`deferclean\.Conn: 1 live`, `"never closed by BeforeAll"`,
		},
	}},

	{pkg: "ordered", specs: 12, leaks: map[string][]string{
		"an Ordered container whose third spec keeps a connection keeps the third": {
			outlived(1, "Ordered container an Ordered container whose third spec keeps a connection"),
			`ordered\.Conn: 1 live`, `"kept by the third spec"`,
		},
		"an Ordered container whose first spec keeps a connection ends the container": {
			outlived(1, "Ordered container an Ordered container whose first spec keeps a connection"),
			`ordered\.Conn: 1 live`, `"kept by the first spec"`,
		},
	}, absent: []string{
		// The first specs of the Ordered containers: a verdict judges
		// the container, and must not name the spec that opened it.
		"dials and drops a connection first",
		"keeps a connection first",
	}},

	{pkg: "containervar", specs: 7, leaks: map[string][]string{
		"a container variable closed in AfterEach but never cleared keeps the connection after the spec": {
			outlived(1, "a container variable closed in AfterEach but never cleared keeps the connection after the spec"),
			`containervar\.Conn: 1 live`, `"closed, not cleared"`,
			`AfterEach`, `c = nil`, `DeferCleanup`,
		},
		"a container variable closed by DeferCleanup(c.Close) but never cleared keeps the connection after the spec too": {
			outlived(1, "a container variable closed by DeferCleanup(c.Close) but never cleared keeps the connection after the spec too"),
			`containervar\.Conn: 1 live`, `"closed by DeferCleanup, not cleared"`,
			`AfterEach`, `c = nil`, `DeferCleanup`,
		},
	}},
}

const (
	specSeeds    = 20 // processes with -ginkgo.randomize-all, one seed each
	specParallel = 20 // runs of the ginkgo command with -p, one seed each
	specProcs    = 2  // processes of each -p run
)

// specRun is one run of a suite: one process, or one ginkgo -p command.
type specRun struct {
	prog     string // the suite's binary, or the ginkgo command
	args     []string
	parallel bool   // the ginkgo command with -p
	json     string // where the run writes its JSON report
	gotest.Result
	report []types.Report
}

func TestSpecFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every suite under testdata/specs")
	}
	bins := t.TempDir()
	cli := filepath.Join(bins, "ginkgo")
	type built struct {
		runs []specRun
		err  error
	}
	cliBuilt := make(chan error, 1)
	go func() {
		out, err := exec.Command("go", "build", "-o", cli, "github.com/onsi/ginkgo/v2/ginkgo").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("building the ginkgo command: %v\n%s", err, out)
		}
		cliBuilt <- err
	}()
	// Every suite builds and runs at once; the verdicts are read in order.
	results := make([]chan built, len(specCases))
	slots := make(chan struct{}, 2*max(2, runtime.NumCPU()))
	for i, c := range specCases {
		results[i] = make(chan built, 1)
		go func() {
			dir, err := filepath.Abs(filepath.Join("testdata", "specs", c.pkg))
			if err != nil {
				results[i] <- built{err: err}
				return
			}
			bin := filepath.Join(bins, c.pkg+".test")
			if err := gotest.Build(bin, "-race", "./testdata/specs/"+c.pkg); err != nil {
				results[i] <- built{err: err}
				return
			}
			var runs []specRun
			for seed := 1; seed <= specSeeds; seed++ {
				path := filepath.Join(bins, fmt.Sprintf("%s-%d.json", c.pkg, seed))
				runs = append(runs, specRun{prog: bin, json: path, args: []string{
					"-ginkgo.no-color", "-ginkgo.randomize-all", fmt.Sprintf("-ginkgo.seed=%d", seed), "-ginkgo.json-report=" + path,
				}})
			}
			cliErr := <-cliBuilt
			cliBuilt <- cliErr // for the other suites
			if cliErr != nil {
				results[i] <- built{err: cliErr}
				return
			}
			for seed := 1; seed <= specParallel; seed++ {
				path := filepath.Join(bins, fmt.Sprintf("%s-p%d.json", c.pkg, seed))
				runs = append(runs, specRun{prog: cli, parallel: true, json: path, args: []string{
					fmt.Sprintf("--procs=%d", specProcs), "--no-color", "--randomize-all", fmt.Sprintf("--seed=%d", seed), "--json-report=" + path, bin,
				}})
			}
			var wg sync.WaitGroup
			errs := make([]error, len(runs))
			for j := range runs {
				wg.Go(func() {
					slots <- struct{}{}
					defer func() { <-slots }()
					errs[j] = runs[j].execute(dir)
				})
			}
			wg.Wait()
			results[i] <- built{runs: runs, err: errors.Join(errs...)}
		}()
	}
	for i, c := range specCases {
		res := <-results[i]
		t.Run(c.pkg, func(t *testing.T) {
			if res.err != nil {
				t.Fatal(res.err)
			}
			var longest time.Duration
			for _, r := range res.runs {
				longest = max(longest, r.Duration)
			}
			t.Logf("%d runs, the longest took %v", len(res.runs), longest.Round(time.Millisecond))
			for _, r := range res.runs {
				// One run's failures are enough to read.
				if !c.judge(t, r) {
					return
				}
			}
		})
	}
}

// execute runs r in the directory dir and reads the JSON report it wrote.
func (r *specRun) execute(dir string) error {
	var err error
	r.Result, err = gotest.Exec(2*time.Minute, dir, r.prog, r.args...)
	if err != nil {
		return fmt.Errorf("%w\n%s%s", err, r.Stdout, r.Stderr)
	}
	b, err := os.ReadFile(r.json)
	if err != nil {
		return fmt.Errorf("%s %s: no JSON report: %v\n%s%s", filepath.Base(r.prog), strings.Join(r.args, " "), err, r.Stdout, r.Stderr)
	}
	if err := json.Unmarshal(b, &r.report); err != nil {
		return fmt.Errorf("%s: %v", r.json, err)
	}
	return nil
}

// judge checks one run and reports whether it was as expected.
func (c specCase) judge(t *testing.T, r specRun) bool {
	t.Helper()
	ok := true
	fail := func(format string, a ...any) {
		ok = false
		t.Errorf("%s %s: %s", filepath.Base(r.prog), strings.Join(r.args, " "), fmt.Sprintf(format, a...))
	}
	var specs []types.SpecReport
	for _, rep := range r.report {
		for _, s := range rep.SpecReports {
			if s.LeafNodeType == types.NodeTypeIt {
				specs = append(specs, s)
			}
		}
	}
	if len(specs) != c.specs {
		fail("%d specs ran, want %d", len(specs), c.specs)
	}
	if r.parallel {
		// Each process takes the next spec when it is free: under load,
		// one may take them all. What must hold is that they ran in
		// parallel mode.
		for _, rep := range r.report {
			if rep.SuiteConfig.ParallelTotal != specProcs {
				fail("the suite ran with %d parallel processes, want %d", rep.SuiteConfig.ParallelTotal, specProcs)
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range specs {
		name := s.FullText()
		seen[name] = true
		msg := s.FailureMessage()
		patterns, mustFail := c.leaks[name]
		switch {
		case mustFail && s.State != types.SpecStateFailed:
			fail("%q %s, want it to fail with leakcheck's report", name, s.State)
		case !mustFail && s.State != types.SpecStatePassed:
			fail("%q %s, want it to pass:\n%s", name, s.State, quoteLines(msg))
		}
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(msg) {
				fail("the failure of %q does not match %q:\n%s", name, p, quoteLines(msg))
			}
		}
		for _, a := range c.absent {
			if strings.Contains(msg, a) {
				fail("the failure of %q names %q:\n%s", name, a, quoteLines(msg))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.leaks)) {
		if !seen[name] {
			fail("%q did not run", name)
		}
	}
	want := 0
	if len(c.leaks) > 0 {
		want = 1
	}
	if r.Code != want {
		fail("exit code %d, want %d", r.Code, want)
	}
	if !ok {
		t.Logf("standard output:\n%s\nstandard error:\n%s", quoteLines(r.Stdout), quoteLines(r.Stderr))
	}
	return ok
}

// quoteLines marks each line of a suite's output, so that its failures
// are not read as this test's.
func quoteLines(s string) string {
	return "| " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n| ")
}
