package ginkgoext_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/objtrack/objtrack/ginkgoext"
)

func TestGinkgoext(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ginkgoext")
}

// The suite checks its own specs.
var _ = ginkgoext.CheckSpecs()
