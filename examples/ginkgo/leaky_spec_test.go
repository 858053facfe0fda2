//go:build leaky

package pool

import (
	. "github.com/onsi/ginkgo/v2"
)

// forgotten keeps a connection that the spec never returns.
var forgotten []*Conn

var _ = Describe("a leaky caller", Label("leaky"), func() {
	It("forgets to Put a connection back", func() {
		p := &Pool{Addr: "cache:6379", Max: 1}
		forgotten = append(forgotten, p.Get())
	})
})
