//go:build !objtrack_nolinkname

package ginkgoext

import (
	"unsafe" // for go:linkname

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
