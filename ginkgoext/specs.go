package ginkgoext

import (
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/objtrack/objtrack/leakcheck"
)

// CheckSpecs judges every spec of the suite with leakcheck: a spec whose
// tracked objects outlive it fails with leakcheck's report. Call it once,
// at the top level of the suite file:
//
//	var _ = ginkgoext.CheckSpecs()
//
// The check starts in a top-level BeforeEach and the verdict runs in a
// top-level ReportAfterEach: after the spec's AfterEach and DeferCleanup
// nodes have run and Ginkgo has let go of their closures, so that an
// object released by `DeferCleanup(c.Close)` is not taken for a leak. An
// Ordered container is judged as a whole, after its last spec, and named
// by its container: its specs may share objects on purpose. Options are
// leakcheck's (Allow, IgnoreTypes, ...). Both nodes carry the location of
// the CheckSpecs call, so that Ginkgo's report points into the suite; the
// failure itself is raised here, from the ReportAfterEach, because Ginkgo
// takes a failure's location from the stack that raises it.
//
// Ginkgo runs one spec at a time in each process, so every object tracked
// while a spec runs, on any goroutine that no checked test of package
// testing started, is the spec's. A container variable that still holds
// an object after the spec (var c *Conn, set in BeforeEach) keeps it
// alive, closed or not, and the spec fails: clear the variable (c = nil)
// in AfterEach or in a DeferCleanup, or make it a variable of the spec. Goroutines are not checked
// here: gomega's gleak checks them. It returns true so that it can
// initialize a variable.
func CheckSpecs(opts ...leakcheck.Option) bool {
	opts = append([]leakcheck.Option{leakcheck.WithoutGoroutines()}, opts...)
	var current *specT
	ginkgo.BeforeEach(func() {
		st := &specT{name: specName(ginkgo.CurrentSpecReport())}
		leakcheck.Check(st, opts...)
		ginkgo.DeferCleanup(func() { st.ended = true })
		current = st
	}, ginkgo.OncePerOrdered, ginkgo.Offset(1))
	ginkgo.ReportAfterEach(func(r ginkgo.SpecReport) {
		st := current
		if st == nil || !st.ended {
			return // an Ordered container goes on: judged after its last spec
		}
		current = nil
		st.judge(r)
	}, ginkgo.Offset(1))
	return true
}

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

// containerHint ends a Ginkgo failure: the usual reason why a spec's
// object outlives it in Ginkgo, and what to do.
const containerHint = `
A container variable (var c *Conn, set in BeforeEach) keeps its object
alive after the spec, closed or not: clear it (c = nil) in AfterEach or
in a DeferCleanup, or make it a variable of the spec.`

// judge runs the verdict and fails the spec with its report.
func (t *specT) judge(r ginkgo.SpecReport) {
	t.failed = r.Failed()
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	if len(t.errors) > 0 {
		ginkgo.Fail(strings.Join(t.errors, "\n") + containerHint)
	}
}
