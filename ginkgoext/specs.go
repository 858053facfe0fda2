package ginkgoext

import (
	"github.com/onsi/ginkgo/v2"

	"github.com/objtrack/objtrack/leakcheck"
)

// CheckSpecs judges every spec of the suite with leakcheck: a spec whose
// tracked objects outlive it fails with leakcheck's report. Call it once,
// at the top level of the suite file:
//
//	var _ = ginkgoext.CheckSpecs()
//
// It registers a top-level BeforeEach that starts a leakcheck scope for
// the spec; the verdict runs in a DeferCleanup, after the spec's own
// AfterEach and DeferCleanup nodes have released their objects. Options
// are leakcheck's (Allow, IgnoreTypes, ...). In an Ordered container the
// check spans the whole container, whose specs may share objects on
// purpose. Goroutines are not checked
// here: Ginkgo runs each node on a goroutine of its own, so use gomega's
// gleak for them. It returns true so that it can initialize a variable.
func CheckSpecs(opts ...leakcheck.Option) bool {
	opts = append([]leakcheck.Option{leakcheck.WithoutGoroutines()}, opts...)
	ginkgo.BeforeEach(func() {
		leakcheck.Check(ginkgo.GinkgoT(), opts...)
	}, ginkgo.OncePerOrdered)
	return true
}
