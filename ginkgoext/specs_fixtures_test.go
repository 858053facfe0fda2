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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/objtrack/objtrack/internal/testsupport/gotest"
	"github.com/objtrack/objtrack/leakcheck"
)

// The spec fixtures are Ginkgo suites under testdata/specs, one package
// per case, that pin what ginkgoext.CheckSpecs decides where Ginkgo's own
// machinery (DeferCleanup, Ordered containers, container variables) holds
// or releases objects. TestSpecFixtures builds each suite once with -race
// and runs it in 20 processes, each with its own order of the specs
// (-ginkgo.randomize-all, seeds 1 to 20), since Ginkgo refuses -count;
// then 10 times under the ginkgo command with -p (two processes, which
// take the specs in turn), with the first ten seeds: each such run is
// three processes, and the runs in one process already cover the orders
// (under make test, seeds 1 and 2, and one -p run). Every run must give the
// same verdict: every spec passes, and CheckSpecs' ReportAfterSuite node
// fails with one leakcheck report for each spec that specCase.leaks
// names, matching the patterns given, and none for any other. The
// verdicts are read from Ginkgo's JSON report.
type specCase struct {
	pkg   string
	specs int // the specs of the suite: each run must run them all
	// leaks maps the full text of each spec that must fail (for an
	// Ordered container, its last spec) to regular expressions that its
	// failure message must match.
	leaks map[string][]string
	// absent are strings that no failure message may contain.
	absent []string
	// failing maps the full text of each spec that fails itself, at its
	// own line, to regular expressions that its failure message must
	// match; every other spec must pass or be skipped.
	failing map[string][]string
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

	{pkg: "containervar", specs: 10, leaks: map[string][]string{
		"a container variable whose connection a registry keeps too registers the connection": {
			outlived(1, "a container variable whose connection a registry keeps too registers the connection"),
			`"kept by the registry"`,
		},
		"a container variable whose connection a goroutine keeps too leaves the connection to a goroutine": {
			outlived(1, "a container variable whose connection a goroutine keeps too leaves the connection to a goroutine"),
			`"kept by a goroutine"`,
		},
	}, absent: []string{
		// Connections that only container variables hold.
		"closed in AfterEach", "closed by DeferCleanup", "set in JustBeforeEach", "set in BeforeAll", "set in the spec",
	}},

	// CheckEachSpec: the spec that leaves its connection in a registry
	// fails at its own end, though another spec empties the registry.
	{pkg: "eachspec", specs: 6, failing: map[string][]string{
		"a suite whose specs undo each other's leaks with a connection that the registry keeps registers the connection": {
			outlived(1, "a suite whose specs undo each other's leaks with a connection that the registry keeps registers the connection"),
			`"kept by the registry"`,
		},
	}, absent: []string{"closed by DeferCleanup", "set in BeforeAll"}},

	// A clean suite under leakcheck.VerifyTestMain: the run passes.
	{pkg: "testmain", specs: 2},

	{pkg: "misspelt", specs: 2, failing: map[string][]string{
		"a misspelt type name fails a spec that tracks nothing":       {misspelt},
		"a misspelt type name fails a spec that drops its connection": {misspelt},
	}},
}

// misspelt is the failure of a spec whose check names no type.
const misspelt = `^leakcheck: option IgnoreTypes\("Connn"\) names no type of the program; did you mean "misspelt\.Conn"\?`

// The runs of each suite: as many as these say under make test-long, and
// two seeds and one -p run under make test (see gotest.Rounds). They are
// read as the test runs, not as the package starts, so that go test's
// cache of test results knows that they read gotest.LongEnv.
func specSeeds() int    { return gotest.Rounds(20, 2) } // processes with -ginkgo.randomize-all, one seed each
func specParallel() int { return gotest.Rounds(10, 1) } // runs of the ginkgo command with -p, one seed each

const specProcs = 2 // processes of each -p run

// specRun is one run of a suite: one process, or one ginkgo -p command.
type specRun struct {
	parallel bool   // the ginkgo command with -p
	json     string // where the run writes its JSON report
	report   []types.Report
	// paths: the run's failing verdicts find retention paths. Only the
	// first run of each suite does (leakcheck.PathsEnv turns them off in
	// the others): a heap dump for each leak of every run would cost
	// more than the verdicts.
	paths bool
}

// specResults is what the runs of one suite did.
type specResults struct {
	err     error
	runs    []specRun
	results []gotest.Result // by run
}

func TestSpecFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every suite under testdata/specs")
	}
	bins := t.TempDir()
	cli := filepath.Join(bins, "ginkgo")
	cliBuilt := gotest.Start(1, func(int) error {
		out, err := exec.Command("go", "build", "-o", cli, "github.com/onsi/ginkgo/v2/ginkgo").CombinedOutput()
		if err != nil {
			return fmt.Errorf("building the ginkgo command: %v\n%s", err, out)
		}
		return nil
	})
	// Every suite builds and runs at once; the verdicts are read in order.
	pool := gotest.NewPool(2)
	results := gotest.Start(len(specCases), func(i int) specResults {
		return specCases[i].execute(bins, pool, cli, func() error { return cliBuilt(0) })
	})
	for i, c := range specCases {
		res := results(i)
		t.Run(c.pkg, func(t *testing.T) {
			if res.err != nil {
				t.Fatal(res.err)
			}
			gotest.CheckEach(t, res.results, func(check *gotest.Check, j int) {
				c.judge(check, res.runs[j])
			})
		})
	}
}

// execute builds the suite of c and runs it, once cliBuilt says that the
// ginkgo command cli is built for the -p runs, then reads the JSON
// report of each run.
func (c specCase) execute(bins string, pool *gotest.Pool, cli string, cliBuilt func() error) specResults {
	dir, err := filepath.Abs(filepath.Join("testdata", "specs", c.pkg))
	if err != nil {
		return specResults{err: err}
	}
	bin := filepath.Join(bins, c.pkg+".test")
	if err := gotest.Build(bin, "-race", "./testdata/specs/"+c.pkg); err != nil {
		return specResults{err: err}
	}
	var runs []specRun
	var cmds []gotest.Cmd
	for seed := 1; seed <= specSeeds(); seed++ {
		path := filepath.Join(bins, fmt.Sprintf("%s-%d.json", c.pkg, seed))
		run := specRun{json: path, paths: seed == 1}
		cmd := gotest.Cmd{Dir: dir, Prog: bin, Args: []string{
			"-ginkgo.no-color", "-ginkgo.randomize-all", fmt.Sprintf("-ginkgo.seed=%d", seed), "-ginkgo.json-report=" + path,
		}}
		if !run.paths {
			cmd.Env = []string{leakcheck.PathsEnv + "=off"}
		}
		runs = append(runs, run)
		cmds = append(cmds, cmd)
	}
	if err := cliBuilt(); err != nil {
		return specResults{err: err}
	}
	for seed := 1; seed <= specParallel(); seed++ {
		path := filepath.Join(bins, fmt.Sprintf("%s-p%d.json", c.pkg, seed))
		runs = append(runs, specRun{parallel: true, json: path})
		cmds = append(cmds, gotest.Cmd{Dir: dir, Prog: cli, Args: []string{
			fmt.Sprintf("--procs=%d", specProcs), "--no-color", "--randomize-all", fmt.Sprintf("--seed=%d", seed), "--json-report=" + path, bin,
		}, Env: []string{leakcheck.PathsEnv + "=off"}})
	}
	results, err := pool.ExecAll(2*time.Minute, cmds)
	if err != nil {
		return specResults{err: err}
	}
	errs := make([]error, len(runs))
	for j, r := range results {
		errs[j] = runs[j].read(r)
	}
	return specResults{err: errors.Join(errs...), runs: runs, results: results}
}

// read reads the JSON report that r wrote in the run res.
func (r *specRun) read(res gotest.Result) error {
	b, err := os.ReadFile(r.json)
	if err != nil {
		return fmt.Errorf("%s: no JSON report: %v\n%s%s", res.Command(), err, res.Stdout, res.Stderr)
	}
	if err := json.Unmarshal(b, &r.report); err != nil {
		return fmt.Errorf("%s: %v", r.json, err)
	}
	return nil
}

// judge checks one run of c: every spec passes, and the suite's
// ReportAfterSuite node of CheckSpecs fails when c has leaks, with one
// report for each and for nothing else.
func (c specCase) judge(check *gotest.Check, r specRun) {
	var specs []types.SpecReport
	var end *types.SpecReport
	for _, rep := range r.report {
		for i, s := range rep.SpecReports {
			switch {
			case s.LeafNodeType == types.NodeTypeIt:
				specs = append(specs, s)
			case s.LeafNodeType == types.NodeTypeReportAfterSuite && s.LeafNodeText == endNode:
				end = &rep.SpecReports[i]
			}
		}
	}
	if len(specs) != c.specs {
		check.Errorf("%d specs ran, want %d", len(specs), c.specs)
	}
	if r.parallel {
		// Each process takes the next spec when it is free: under load,
		// one may take them all. What must hold is that they ran in
		// parallel mode.
		for _, rep := range r.report {
			if rep.SuiteConfig.ParallelTotal != specProcs {
				check.Errorf("the suite ran with %d parallel processes, want %d", rep.SuiteConfig.ParallelTotal, specProcs)
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range specs {
		name := s.FullText()
		seen[name] = true
		if want, ok := c.failing[name]; ok {
			if s.State != types.SpecStateFailed {
				check.Errorf("%q %s, want it to fail", name, s.State)
			}
			what := fmt.Sprintf("the failure of %q", name)
			check.Match(what, s.FailureMessage(), want...)
			check.Absent(what, s.FailureMessage(), c.absent...)
			if loc := s.Failure.Location; loc.FileName != s.LeafNodeLocation.FileName || loc.LineNumber != s.LeafNodeLocation.LineNumber {
				check.Errorf("the failure of %q is located at %s, want the spec's line %s", name, loc, s.LeafNodeLocation)
			}
			continue
		}
		if s.State != types.SpecStatePassed && s.State != types.SpecStateSkipped {
			check.Errorf("%q %s, want it to pass:\n%s", name, s.State, gotest.Quote(s.FailureMessage()))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.leaks)) {
		if !seen[name] {
			check.Errorf("%q did not run", name)
		}
	}
	switch {
	case end == nil:
		check.Errorf("the JSON report has no %q node", endNode)
	case len(c.leaks) == 0 && end.State != types.SpecStatePassed:
		check.Errorf("%q %s, want it to pass:\n%s", endNode, end.State, gotest.Quote(end.FailureMessage()))
	case len(c.leaks) > 0:
		msg := end.FailureMessage()
		if end.State != types.SpecStateFailed {
			check.Errorf("%q %s, want it to fail with leakcheck's reports", endNode, end.State)
		}
		// The node that fails, and the failure itself, carry the
		// suite's CheckSpecs line, not ginkgoext's.
		for what, loc := range map[string]types.CodeLocation{"node": end.Failure.FailureNodeLocation, "failure": end.Failure.Location} {
			if !strings.HasSuffix(loc.FileName, "_suite_test.go") {
				check.Errorf("the %s of %q is located in %s, want the suite file", what, endNode, loc)
			}
		}
		if n := len(headline.FindAllString(msg, -1)); n != len(c.leaks) {
			check.Errorf("the failure of %q has %d reports, want %d:\n%s", endNode, n, len(c.leaks), gotest.Quote(msg))
		}
		what := fmt.Sprintf("the failure of %q", endNode)
		for _, name := range slices.Sorted(maps.Keys(c.leaks)) {
			check.Match(what, msg, c.leaks[name]...)
		}
		if r.paths {
			check.Match(what, msg, `held by:\n\s+\S.*\n(\s+-> .*\n)*\s+-> \*\w+\.Conn  serial \d+\n`)
		} else {
			check.Absent(what, msg, "held by:")
		}
		check.Absent(what, msg, c.absent...)
	}
	want := 0
	if len(c.leaks) > 0 || len(c.failing) > 0 {
		want = 1
	}
	check.ExitCode(want)
}

// endNode is the text of CheckSpecs' ReportAfterSuite node, and headline
// that of each report in its failure.
const endNode = "leakcheck: the specs' survivors"

var headline = regexp.MustCompile(`(?m)^leakcheck: \d+ tracked objects? outlived `)
