//go:build leaky

package watch

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

func TestJobNeverEnded(t *testing.T) {
	leakcheck.Check(t)
	ctx, done := worker.Job()
	if ctx.Err() != nil {
		done() // only on failure: the job of a test that passes is never ended
		t.Fatal(ctx.Err())
	}
}
