package leakcheck

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/owner"
	"go.uber.org/goleak"
)

// TestingM is the part of *testing.M that VerifyTestMain uses.
type TestingM interface {
	Run() int
}

// VerifyTestMain runs the tests and judges every tracked object made while
// they ran: objects that outlive the whole run fail it, with the report on
// standard error and exit code 1. Use it from TestMain:
//
//	func TestMain(m *testing.M) {
//		leakcheck.VerifyTestMain(m)
//	}
//
// Objects tracked before VerifyTestMain are not judged; objects that a
// failing Check reported already are counted, not repeated. The global
// tracker is the program's own business: leakcheck sees every object
// whatever tracker it has. A name given to its Allow or IgnoreTypes
// options that names no type of the program fails the run, whatever the
// tests did; the name of a type that the program has but the tests that
// ran did not track (go test -run TestOne) counts 0 and fails nothing.
// By default the run also checks for leaked goroutines with
// go.uber.org/goleak (goroutines that existed before the tests are
// ignored) and reports them in the same report: the run fails once.
// Survivors that a failing Check already reported are counted, not
// repeated. When tests fail, leaks are not checked unless EvenIfFailed is
// given.
//
// VerifyTestMain writes its report as JSON to the file named by the
// ReportFile option or the OBJTRACK_LEAKCHECK_REPORT environment variable.
func VerifyTestMain(m TestingM, opts ...Option) {
	if m == nil {
		panic("leakcheck: VerifyTestMain(nil): pass the *testing.M that TestMain receives")
	}
	cfg := buildConfig(opts)
	s := &scope{Owner: owner.Owner{Name: "TestMain"}, main: true, cfg: cfg, unknownNames: unknownNames(cfg)}
	leakOpts := []goleak.Option{goleak.IgnoreCurrent()}
	if cfg.goroutines {
		leakOpts = append(leakOpts, cfg.goleakOptions...)
	}
	installObserver()
	begin(s)
	testsCode := m.Run()
	s.judged = true
	var left error // what goleak found after its retries: the verdict on goroutines
	if goroutines.Created() != s.goroutinesBefore {
		// Goroutines that the run started may still be making objects:
		// let them end (or give up after goleak's retries, about half a
		// second) before the scope ends, so that what they make is
		// judged too, with goroutines checked or not. What is still
		// running then is the verdict: goleak is not run (and waited
		// out) a second time.
		left = goleak.Find(leakOpts...)
	}
	end(s)
	code := testsCode
	// A misspelt name fails the run whatever the tests did, as it fails
	// a checked test.
	for _, msg := range s.unknownNames {
		fmt.Fprintln(stderr, msg)
		code = cmp.Or(code, 1)
	}
	switch {
	case testsCode == 0 || cfg.evenIfFailed:
		if verdictCode := verdictMain(s, left); verdictCode != 0 {
			code = verdictCode
		}
	default:
		// A failed test may leave anything behind, halfway through: what
		// outlives the run is not judged, but the run says so, so that a
		// leak of a test that passed is not taken for judged.
		fmt.Fprintln(stderr, "leakcheck: tests failed, so VerifyTestMain did not judge what outlived the run (objects that Check judged in the tests that passed were judged); leakcheck.EvenIfFailed() judges it anyway")
	}
	if cfg.cleanup != nil {
		cfg.cleanup(code)
	}
	osExit(code)
}

// verdictMain judges the objects that outlived the run, and the
// goroutines that goleak found still running after it (left), and reports
// them.
func verdictMain(s *scope, left error) int {
	rep, err := judge(s)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if s.cfg.goroutines {
		rep.Goroutines = findings(left, s.cfg.maxShown)
		rep.GoroutineCheck = "checked with go.uber.org/goleak"
	}
	rep.Package = testedPackage()
	code := 0
	if path := s.cfg.reportFile; path != "" {
		if err := writeReportFile(path, rep); err != nil {
			fmt.Fprintf(stderr, "leakcheck: cannot write the JSON report: %v\n", err)
			code = 1
		}
	}
	if rep.Leaked() {
		reg.MarkReported(rep.leaked)
		fmt.Fprint(stderr, rep.String())
		code = 1
	}
	return code
}

// writeReportFile writes the JSON report to path, or, if path is a
// directory (or ends with a separator, and is made), to a file in it named
// after the package, so that go test ./... keeps one report per package.
func writeReportFile(path string, rep *Report) error {
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		if err := os.MkdirAll(path, 0o755); err != nil {
			return err
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		name := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(rep.Package)
		if name == "" {
			name = "leakcheck"
		}
		path = filepath.Join(path, name+".json")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
