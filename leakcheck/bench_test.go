package leakcheck_test

import (
	"runtime/debug"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/internal/testsupport/floor"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// obj64 is a 64-byte tracked struct with a pointer, the size of the
// runtime floor's object.
type obj64 struct {
	trackable.Trackable
	Name string
	Buf  [8]byte // with Trackable and Name, 64 bytes (see the size test)
}

var sinkObj *obj64

// BenchmarkTrackInScope is Track inside a leakcheck scope, with creation
// sites recorded (impl=stacks), against the runtime floor: new(T) plus
// runtime.AddCleanup with a pointer argument (impl=floor).
func BenchmarkTrackInScope(b *testing.B) {
	floor.Benchmark(b)
	b.Run("impl=stacks", func(b *testing.B) {
		ft := newFakeT("BenchmarkTrackInScope")
		leakcheck.Check(ft, leakcheck.WithoutGoroutines())
		floor.Quiet(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkObj = trackable.Track(&obj64{})
		}
		b.StopTimer()
		sinkObj = nil
		ft.finish()
	})
}

// makeDead calls newObject n times with the collector off, so that all n
// objects are dead and their cleanups pending when the timer starts.
//
//go:noinline
func makeDead(n int, newObject func()) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for range n {
		newObject()
	}
}

func newTracked() { trackable.Track(&obj64{}) }

// settleAfter times the settling of n dead objects made by newObject.
func settleAfter(b *testing.B, n int, newObject func()) {
	for range b.N {
		b.StopTimer()
		settle.Settle(time.Minute)
		makeDead(n, newObject)
		b.StartTimer()
		if err := settle.Settle(time.Minute).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSettleMillion measures the verdict after a million dead
// objects: impl=floor is runtime.GC and draining the cleanups of a million
// plain AddCleanup objects, impl=leakcheck is Check's verdict on a million
// tracked objects.
func BenchmarkSettleMillion(b *testing.B) {
	const n = 1_000_000
	b.Run("impl=floor", func(b *testing.B) {
		settleAfter(b, n, func() { floor.New() })
	})
	// trackable alone: the same objects counted by a global Inventory and
	// settled, without leakcheck. It shows what leakcheck itself adds.
	b.Run("impl=inventory", func(b *testing.B) {
		prev := trackable.GlobalTracker()
		trackable.SetGlobalTracker(trackable.NewInventory())
		defer trackable.SetGlobalTracker(prev)
		settleAfter(b, n, newTracked)
	})
	b.Run("impl=leakcheck", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			settle.Settle(time.Minute)
			ft := newFakeT("BenchmarkSettleMillion")
			leakcheck.Check(ft, leakcheck.WithoutGoroutines())
			makeDead(n, newTracked)
			b.StartTimer()
			ft.finish()
			if ft.Failed() {
				b.Fatal(ft.errorText())
			}
		}
	})
}

// BenchmarkSettleIdle is a verdict with nothing to wait for.
func BenchmarkSettleIdle(b *testing.B) {
	for b.Loop() {
		ft := newFakeT("BenchmarkSettleIdle")
		leakcheck.Check(ft, leakcheck.WithoutGoroutines())
		ft.finish()
		if ft.Failed() {
			b.Fatal(ft.errorText())
		}
	}
}
