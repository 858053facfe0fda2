//go:build !objtrack_nolinkname

package ancestry

import (
	_ "runtime/pprof" // the home of the two functions below
	"unsafe"
)

// The runtime's accessors of the current goroutine's label set. They are
// internal to runtime/pprof, but the runtime keeps them reachable by
// linkname on purpose, because widely used packages depend on them (see
// the comments on runtime_getProfLabel and runtime_setProfLabel in
// $GOROOT/src/runtime/proflabel.go, and go.dev/issue/67401): "Do not
// remove or change the type signature." Build with -tags
// objtrack_nolinkname to do without them (see nolinkname.go).

// Supported reports whether goroutine ancestry is available.
const Supported = true

//go:linkname getProfLabel runtime/pprof.runtime_getProfLabel
func getProfLabel() unsafe.Pointer

//go:linkname setProfLabel runtime/pprof.runtime_setProfLabel
func setProfLabel(unsafe.Pointer)
