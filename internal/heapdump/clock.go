//go:build !objtrack_nolinkname

package heapdump

import _ "unsafe" // for go:linkname

// nanotime is the runtime's monotonic clock, the one of the timers'
// due times. The runtime keeps it reachable by linkname on purpose (see
// its comment in $GOROOT/src/runtime/time_nofake.go).
func nanotime() (now int64, ok bool) { return runtimeNanotime(), true }

//go:linkname runtimeNanotime runtime.nanotime
func runtimeNanotime() int64
