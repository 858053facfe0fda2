//go:build !objtrack_nolinkname

package ginkgoext

import (
	"unsafe" // for go:linkname

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/objtrack/objtrack/leakcheck"
)

// ginkgoSuite is Ginkgo's global suite (internal/global.Suite), which
// holds the spec tree and, through the closures in it, every container
// variable. Only its address is taken: so that the end of the suite
// tells what Ginkgo holds from what the program's variables hold without
// rebuilding the test binary with a symbol table. Built with -tags
// objtrack_nolinkname, ginkgoext names Ginkgo's variables with the
// symbol table instead (ginkgo_state_nolinkname.go).
//
//go:linkname ginkgoSuite github.com/onsi/ginkgo/v2/internal/global.Suite
var ginkgoSuite unsafe.Pointer

// ginkgoFramework is the leakcheck.Framework of the specs' verdicts.
func ginkgoFramework() *leakcheck.Framework {
	return leakcheck.NewFramework(ginkgoPackages).KeepsIn(&ginkgoSuite)
}

// ginkgoFailer is Ginkgo's global failer (internal/global.Failer), which
// records the failure of the node that runs, and failerFail its method
// Fail(message, location), which ginkgo.Fail calls with the location of
// its caller. Calling it with a location of the suite's own makes the
// failure point at the user's spec or at the line that calls CheckSpecs,
// where ginkgo.Fail, called from ginkgoext's nodes, would point at
// ginkgoext. Both have had these types since Ginkgo v2.0.0; a test of
// this package pins the location that a failure reports.
//
//go:linkname ginkgoFailer github.com/onsi/ginkgo/v2/internal/global.Failer
var ginkgoFailer unsafe.Pointer

//go:linkname failerFail github.com/onsi/ginkgo/v2/internal.(*Failer).Fail
func failerFail(failer unsafe.Pointer, message string, location types.CodeLocation)

// failAt fails the node that runs with message, at location. Like
// ginkgo.Fail, it records the first failure only; unlike it, it returns.
func failAt(message string, location types.CodeLocation) {
	if ginkgoFailer == nil {
		ginkgo.Fail(message, 1) // not initialised: no suite runs
		return
	}
	failerFail(ginkgoFailer, message, location)
}
