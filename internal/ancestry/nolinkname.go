//go:build objtrack_nolinkname

package ancestry

import "unsafe"

// Supported reports whether goroutine ancestry is available: not in this
// build, so no goroutine descends from a checked test, and verdicts judge
// only what VerifyTestMain and frameworks running one spec at a time can
// tell apart.
const Supported = false

func getProfLabel() unsafe.Pointer { return nil }
func setProfLabel(unsafe.Pointer)  {}
