//go:build !objtrack_nolinkname

package settle

import _ "unsafe" // for go:linkname

// nanotime is the runtime's monotonic clock. Inside a testing/synctest
// bubble, package time's clock is the bubble's fake one, in which a
// budget would run out at once or never; the runtime's clock is real
// time everywhere. The runtime keeps it reachable by linkname on purpose
// (see its comment in $GOROOT/src/runtime/time_nofake.go).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64
