package leakcheck

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/owner"
	"github.com/objtrack/objtrack/trackable"
)

type frameworkConn struct {
	trackable.Trackable
	Addr string
}

// frameworkHolds stands for a framework's variable (a Ginkgo container
// variable); otherHolds for what the test's code keeps besides.
var frameworkHolds, otherHolds *frameworkConn

// The verdict of a test Within a framework searches the heap for what
// holds its survivors; a survivor that only the framework holds by then
// (what held it besides, a goroutine that drained it, let go after
// Framework.Judge's own searches) is the framework's, and not reported
// with the framework's frame as its holder. One that something else
// still holds is reported.
func TestVerdictWithinAFrameworkLetsGoWhatOnlyItHoldsWhenSearched(t *testing.T) {
	fw := NewFramework().KeepsIn(&frameworkHolds)
	for _, other := range []bool{false, true} {
		s := &scope{Owner: owner.Owner{Name: "TestWithin", Ambient: true}, cfg: buildConfig([]Option{Within(fw), WithoutGoroutines(), Grace(0)})}
		installObserver()
		begin(s)
		func() {
			frameworkHolds = trackable.Track(&frameworkConn{Addr: "kept by the framework"})
			if other {
				otherHolds = frameworkHolds
			}
		}()
		end(s)
		s.judged = true
		rep, err := judge(s)
		require.NoError(t, err)
		if other {
			require.True(t, rep.Leaked(), "held by otherHolds too: %s", rep)
			assert.Contains(t, rep.String(), "otherHolds")
			reg.MarkReported(rep.leaked)
		} else {
			assert.False(t, rep.Leaked(), "held by the framework's variable only: %s", rep)
		}
		frameworkHolds, otherHolds = nil, nil
		runtime.GC()
	}
}
