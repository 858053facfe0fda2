package watch

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

// worker lives as long as the test binary, as a service's worker lives
// as long as the service.
var worker = NewWorker()

func TestJobsEnded(t *testing.T) {
	leakcheck.Check(t)
	for range 3 {
		ctx, done := worker.Job()
		if ctx.Err() != nil {
			t.Fatal(ctx.Err())
		}
		done()
	}
}
