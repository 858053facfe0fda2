//go:build objtrack_nolinkname

package ginkgoext

import (
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/objtrack/objtrack/leakcheck"
)

// ginkgoFramework is the leakcheck.Framework of the specs' verdicts: in
// this build, Ginkgo's variables are named with the program's symbol
// table.
func ginkgoFramework() *leakcheck.Framework {
	return leakcheck.NewFramework(ginkgoPackages)
}

// failAt fails the node that runs with message. In this build the failure
// points at ginkgoext's own line, where the message names the spec:
// Ginkgo takes a failure's location only from its caller's stack.
func failAt(message string, _ types.CodeLocation) {
	ginkgo.Fail(message, 1)
}
