package trackable

import (
	"fmt"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
)

// Settle runs the garbage collector until the heap reaches a fixed point
// and every cleanup and finalizer that it queued has run: counts read
// afterwards are exact, every object dropped before the call counted as
// retired. It takes two collections when nothing needs a cleanup, more
// while cleanups release further objects (a sync.Pool drops its objects
// at the second).
//
// Settle returns an error if the cleanups did not finish within timeout,
// which means one of them is blocked (a tracker that blocks in
// NotifyDestroyed, a finalizer waiting on a lock). The timeout only turns
// such a hang into an error: the counts never depend on it.
func Settle(timeout time.Duration) error {
	if timeout <= 0 {
		return fmt.Errorf("trackable: Settle(%v): the timeout must be positive", timeout)
	}
	if err := settle.Settle(timeout).Err(); err != nil {
		return fmt.Errorf("trackable: Settle: %w", err)
	}
	return nil
}
