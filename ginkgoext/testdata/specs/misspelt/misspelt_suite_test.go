// Package misspelt pins the failure of a spec's own verdict: an option
// that names no type of the program (IgnoreTypes("Connn")) fails every
// spec at once, with a message that says so, and the failure points at
// the spec in this file, not at ginkgoext.
package misspelt

import (
	"runtime"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

func TestMisspelt(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "misspelt")
}

var _ = ginkgoext.CheckSpecs(leakcheck.IgnoreTypes("Connn"))

type Conn struct{ trackable.Trackable }

var _ = Describe("a misspelt type name", func() {
	It("fails a spec that tracks nothing", func() {})
	It("fails a spec that drops its connection", func() {
		runtime.KeepAlive(trackable.Track(&Conn{}))
	})
})
