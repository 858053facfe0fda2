package leakcheck

import (
	"strconv"
	"sync"
	"testing"

	"github.com/objtrack/objtrack/internal/ancestry"
	"github.com/objtrack/objtrack/internal/goroutines"
	"github.com/objtrack/objtrack/internal/owner"
)

// BenchmarkLeakedGoroutineReport is what a failing verdict with 10,000
// leaked goroutines pays to report them: the goroutine profile that
// every verdict reads to find its test's goroutines (impl=profile), and
// that profile plus the runtime's traceback, parsed and joined to it for
// the ids, states and creation sites of the report (impl=ids).
func BenchmarkLeakedGoroutineReport(b *testing.B) {
	const n = 10000
	s := &scope{Owner: owner.Owner{Num: 1 << 20}, cfg: buildConfig(nil)}
	release := make(chan struct{})
	var started, ended sync.WaitGroup
	defer func() { close(release); ended.Wait() }()
	started.Add(n)
	ended.Add(n)
	go func() {
		_, previous := ancestry.Mark(strconv.FormatUint(uint64(s.Num), 10))
		defer ancestry.Restore(previous)
		for range n {
			go func() {
				defer ended.Done()
				started.Done()
				<-release
			}()
		}
	}()
	started.Wait()
	label := strconv.FormatUint(uint64(s.Num), 10)
	b.Run("impl=profile", func(b *testing.B) {
		for b.Loop() {
			if groups := goroutines.Profile()[label]; len(groups) == 0 {
				b.Fatal("no goroutine of the scope in the profile")
			}
		}
	})
	b.Run("impl=ids", func(b *testing.B) {
		for b.Loop() {
			gs := describe(s, goroutines.Profile()[label])
			if total := (&Report{Goroutines: gs}).GoroutineCount(); total != n {
				b.Fatalf("%d goroutines reported, want %d", total, n)
			}
		}
	})
}
