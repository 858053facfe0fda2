package ginkgoext

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/objtrack/objtrack/leakcheck"
)

// CheckSpecs judges every spec of the suite with leakcheck: a spec whose
// tracked objects outlive it, held by anything but Ginkgo itself, fails
// the suite with leakcheck's report, which names the spec. Call it once,
// at the top level of the suite file:
//
//	var _ = ginkgoext.CheckSpecs()
//
// The check starts in a top-level BeforeEach and the spec's verdict runs
// in a top-level ReportAfterEach: after the spec's AfterEach and
// DeferCleanup nodes have run. An Ordered container is judged as a
// whole, after its last spec, and named by its container: its specs may
// share objects on purpose. Options are leakcheck's (Allow, IgnoreTypes,
// ...); a misspelt type name fails the spec at once. A spec's failure
// points at the spec, the suite's at the line that calls CheckSpecs.
//
// Ginkgo keeps what a spec's closures captured for the whole run: a
// container variable (var c *Conn, set in BeforeEach, closed in
// AfterEach or by DeferCleanup(c.Close)) holds its last connection until
// the next BeforeEach of its container replaces it, and after the
// container's last spec, until the process ends. That is not the spec's
// leak. So the objects that survive a spec are judged again at the end of
// the suite, in a ReportAfterSuite: what is still alive then and held
// only by Ginkgo (its spec tree, the closures in it, the variables they
// capture, DeferCleanup's arguments) passes; what anything else holds (a
// package variable, a registry, a goroutine, a cache), alone or beside a
// container variable, fails the suite, with a report that names the spec
// that made it and that holder. Telling the two apart takes one search
// of the heap, at the end of the suite, and only if survivors remain.
//
// With ginkgo -p, each process judges its own specs: process 1 at the end
// of the suite, as above; the others, which cannot know which spec is
// their last, judge each spec's survivors at its end (a heap search for
// each spec that leaves any) and pass what they find to process 1, whose
// ReportAfterSuite fails the suite with every report. For what is still
// held at the end of the suite (a registry, a goroutine, a cache that
// nothing empties), the verdict, and where it is reported, is the same in
// every order and with or without -p. An object that a later spec lets go
// of before the end (it replaces the package variable that held it, or
// resets the registry) is reported where a spec's end judges it (by
// CheckEachSpec, or by the processes of ginkgo -p other than the first),
// and not where the suite's end does: in such a suite, use CheckEachSpec.
// The report names the spec that made what is held at the end: for a
// package variable that every spec sets again, the last spec to run in
// each process, which differs with the order and with -p (CheckEachSpec
// names every one).
//
// Ginkgo runs one spec at a time in each process, so every object tracked
// while a spec runs, on any goroutine that no checked test of package
// testing started, is the spec's: an object that a goroutine of an
// earlier spec makes then is blamed on the spec that runs, though its
// creation site shows where it was made. Goroutines are not checked here:
// gomega's gleak checks them. It returns true so that it can initialize a
// variable.
func CheckSpecs(opts ...leakcheck.Option) bool {
	checkSpecs(false, types.NewCodeLocation(1), opts)
	return true
}

// CheckEachSpec is CheckSpecs that judges each spec at its end: what
// survives a spec, held by anything but Ginkgo at that moment, fails the
// spec itself, whatever later specs do. The verdict is then the same in
// every order and with or without -p even in a suite whose specs undo
// each other's leaks (one resets the registry that another filled), at
// the price of one search of the heap for each spec that leaves
// survivors, container variables included: some 30 ms each on a small
// heap, where CheckSpecs takes one for the whole suite. Call it in place
// of CheckSpecs:
//
//	var _ = ginkgoext.CheckEachSpec()
func CheckEachSpec(opts ...leakcheck.Option) bool {
	checkSpecs(true, types.NewCodeLocation(1), opts)
	return true
}

// checkSpecs registers the nodes of CheckSpecs (eachSpec: of
// CheckEachSpec); at is where the suite's failure points.
func checkSpecs(eachSpec bool, at types.CodeLocation, opts []leakcheck.Option) {
	fw := ginkgoFramework()
	opts = append([]leakcheck.Option{leakcheck.WithoutGoroutines(), leakcheck.Within(fw)}, opts...)
	var current *specT
	ginkgo.BeforeEach(func() {
		st := &specT{name: specName(ginkgo.CurrentSpecReport())}
		leakcheck.Check(st, opts...)
		ginkgo.DeferCleanup(func() { st.ended = true })
		current = st
	}, ginkgo.OncePerOrdered, ginkgo.Offset(2))
	ginkgo.ReportAfterEach(func(r ginkgo.SpecReport) {
		st := current
		if st == nil || !st.ended {
			return // an Ordered container goes on: judged after its last spec
		}
		current = nil
		st.judge(r)
		switch cfg, _ := ginkgo.GinkgoConfiguration(); {
		case eachSpec:
			fw.Judge(st) // the spec fails with what it left
		case cfg.ParallelTotal > 1 && cfg.ParallelProcess != 1:
			// No end of the suite here that this process sees: judged
			// now, and reported by process 1.
			later := &specT{name: st.name}
			fw.Judge(later)
			if len(later.errors) > 0 {
				ginkgo.AddReportEntry(reportEntry, ginkgo.ReportEntryVisibilityNever, strings.Join(later.errors, "\n"))
			}
		}
		st.fail(specLocation(r))
	}, ginkgo.Offset(2))
	ginkgo.ReportAfterSuite("leakcheck: the specs' survivors", func(r ginkgo.Report) {
		end := &specT{name: "the suite"}
		fw.Judge(end)
		reports := end.errors
		for _, spec := range r.SpecReports {
			if spec.ParallelProcess == 1 {
				continue // this process: judged just now
			}
			for _, e := range spec.ReportEntries {
				if e.Name == reportEntry {
					reports = append(reports, e.StringRepresentation())
				}
			}
		}
		if len(reports) > 0 {
			slices.Sort(reports) // by spec, as each report begins with its name
			failAt(strings.Join(reports, "\n"), at)
		}
	}, ginkgo.Offset(2))
}

// ginkgoPackages holds what Ginkgo keeps of its specs: the spec tree in
// its global suite, and the frames of its goroutines.
const ginkgoPackages = "github.com/onsi/ginkgo/v2"

// reportEntry names the report entry in which a process of ginkgo -p
// other than the first passes a spec's leak report to the first.
const reportEntry = "objtrack/leakcheck report"

// specName names what a verdict judges: the spec, or the Ordered
// container it is in.
func specName(r ginkgo.SpecReport) string {
	if r.IsInOrderedContainer {
		return "Ordered container " + strings.Join(r.ContainerHierarchyTexts, " ")
	}
	return r.FullText()
}

// specT is the leakcheck.TestingT of one spec's check: it keeps the
// verdict that Check registers with Cleanup, to run it from
// ReportAfterEach, and turns its errors into the spec's failure.
type specT struct {
	name     string
	ended    bool // the spec (or Ordered container) has run its cleanups
	cleanups []func()
	failed   bool // the spec failed before the verdict
	errors   []string
}

func (t *specT) Helper()          {}
func (t *specT) Name() string     { return t.name }
func (t *specT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *specT) Failed() bool     { return t.failed || len(t.errors) > 0 }

func (t *specT) Errorf(format string, args ...any) {
	t.errors = append(t.errors, fmt.Sprintf(format, args...))
}

func (t *specT) Logf(format string, args ...any) {
	fmt.Fprintf(ginkgo.GinkgoWriter, format+"\n", args...)
}

// judge runs the verdict that Check registered.
func (t *specT) judge(r ginkgo.SpecReport) {
	t.failed = r.Failed()
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// fail fails the spec with what its verdict reported at once, at the
// given location.
func (t *specT) fail(at types.CodeLocation) {
	if len(t.errors) > 0 {
		failAt(strings.Join(t.errors, "\n"), at)
	}
}

// specLocation is where the failure of a spec's verdict points: at the
// spec, or, for an Ordered container judged as a whole, at the innermost
// container, which is the Ordered one or in it.
func specLocation(r ginkgo.SpecReport) types.CodeLocation {
	if n := len(r.ContainerHierarchyLocations); r.IsInOrderedContainer && n > 0 {
		return r.ContainerHierarchyLocations[n-1]
	}
	return r.LeafNodeLocation
}
