//go:build objtrack_nolinkname

package settle

import "time"

var epoch = time.Now()

// nanotime is package time's monotonic clock: the fake one inside a
// testing/synctest bubble, in this build.
func nanotime() int64 { return int64(time.Since(epoch)) }
