//go:build objtrack_nolinkname

package ginkgoext

import "github.com/objtrack/objtrack/leakcheck"

// ginkgoFramework is the leakcheck.Framework of the specs' verdicts: in
// this build, Ginkgo's variables are named with the program's symbol
// table.
func ginkgoFramework() *leakcheck.Framework {
	return leakcheck.NewFramework(ginkgoPackages)
}
