package leakcheck

import (
	"testing"
	"time"
)

// DefaultGrace is the sum of goleak's default back-off: 20 pauses of a
// microsecond doubling up to 100 ms.
func TestDefaultGraceIsGoleaksBackOff(t *testing.T) {
	var sum time.Duration
	for try := range 20 {
		sum += min(time.Microsecond<<try, 100*time.Millisecond)
	}
	if DefaultGrace != sum {
		t.Errorf("DefaultGrace = %v, want goleak's %v", DefaultGrace, sum)
	}
}

func TestGraceEnv(t *testing.T) {
	for v, want := range map[string]time.Duration{"": DefaultGrace, "0": 0, "150ms": 150 * time.Millisecond, " 2s ": 2 * time.Second} {
		t.Setenv(GraceEnv, v)
		if got := buildConfig(nil).grace; got != want {
			t.Errorf("%s=%q: grace %v, want %v", GraceEnv, v, got, want)
		}
	}
	t.Setenv(GraceEnv, "150ms")
	if got := buildConfig([]Option{Grace(time.Second)}).grace; got != time.Second {
		t.Errorf("Grace(1s) with %s set: grace %v, want the option's 1s", GraceEnv, got)
	}
	for _, bad := range []string{"soon", "-1s", "5"} {
		t.Setenv(GraceEnv, bad)
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s=%q: no panic", GraceEnv, bad)
				}
			}()
			buildConfig(nil)
		}()
	}
}

func TestGraceRefusesANegativeGrace(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("Grace(-1s): no panic")
		}
	}()
	Grace(-time.Second)
}

// The grace is spent in pauses: as many looks on a loaded machine as on
// an idle one, and no sleep at all once it is spent, or when it is 0.
func TestGraceClockSpendsTheGraceInPauses(t *testing.T) {
	var c graceClock
	looks := 0
	for c.pause(DefaultGrace) {
		looks++
	}
	if looks != 20 || c.slept != DefaultGrace {
		t.Errorf("default grace: %d pauses, %v slept; want goleak's 20 and %v", looks, c.slept, DefaultGrace)
	}
	var none graceClock
	if none.pause(0) {
		t.Error("a grace of 0 paused")
	}
}
