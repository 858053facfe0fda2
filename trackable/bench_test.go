package trackable_test

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/floor"
	"github.com/objtrack/objtrack/trackable"
)

// conn64 is a 64-byte struct with a pointer, the size the cost bars use.
type conn64 struct {
	trackable.Trackable
	Name string
	Buf  [8]byte // with Trackable and Name, 64 bytes (see the size test)
}

var (
	sinkConn  *conn64
	sinkFloor *floor.Object
)

// BenchmarkTrack compares Track with a global Inventory (impl=track) with
// the runtime floor (impl=floor): new(T) plus runtime.AddCleanup with a
// pointer argument. make bench prints the ratio.
func BenchmarkTrack(b *testing.B) {
	floor.Benchmark(b)
	b.Run("impl=track", func(b *testing.B) {
		useGlobal(b, trackable.NewInventory())
		floor.Quiet(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkConn = trackable.Track(&conn64{})
		}
	})
	// With a bundle, set before Track: the object needs a record of its
	// own, one allocation more.
	b.Run("impl=track-bundle", func(b *testing.B) {
		useGlobal(b, trackable.NewInventory())
		bundle := any("10.0.0.1:5432")
		floor.Quiet(b)
		b.ReportAllocs()
		for b.Loop() {
			c := &conn64{}
			c.SetDataBundle(bundle)
			sinkConn = trackable.Track(c)
		}
	})
}

// BenchmarkTrackParallel is BenchmarkTrack on every core at once.
func BenchmarkTrackParallel(b *testing.B) {
	b.Run("impl=floor", func(b *testing.B) {
		floor.Quiet(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var p *floor.Object
			for pb.Next() {
				p = floor.New()
			}
			runtime.KeepAlive(p)
		})
	})
	b.Run("impl=track", func(b *testing.B) {
		useGlobal(b, trackable.NewInventory())
		floor.Quiet(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var p *conn64
			for pb.Next() {
				p = trackable.Track(&conn64{})
			}
			runtime.KeepAlive(p)
		})
	})
}

// BenchmarkSetDataBundle sets a bundle on an object tracked by an
// Inventory without object tracking.
func BenchmarkSetDataBundle(b *testing.B) {
	useGlobal(b, trackable.NewInventory())
	c := trackable.Track(&conn64{})
	bundle := any("bundle")
	b.ReportAllocs()
	for b.Loop() {
		c.SetDataBundle(bundle)
	}
}

// manyTypes returns n distinct struct types.
func manyTypes(n int) []reflect.Type {
	types := make([]reflect.Type, n)
	for i := range types {
		types[i] = reflect.StructOf([]reflect.StructField{{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[int]()}})
	}
	return types
}

// BenchmarkDump1000Types dumps an inventory of 1,000 types.
func BenchmarkDump1000Types(b *testing.B) {
	inv := trackable.NewInventory()
	for i, typ := range manyTypes(1000) {
		inv.NotifyAttached(trackable.Event{Serial: uint64(i + 1), Type: typ})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := inv.Dump(discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshot100kObjects snapshots an inventory that records
// 100,000 live objects.
func BenchmarkSnapshot100kObjects(b *testing.B) {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(connType, true)
	for i := range 100_000 {
		inv.NotifyAttached(trackable.Event{Serial: uint64(i + 1), Type: connType, Bundle: i})
	}
	b.ReportAllocs()
	for b.Loop() {
		if n := len(inv.Snapshot().Types[0].Objects); n != 100_000 {
			b.Fatalf("snapshot has %d objects", n)
		}
	}
}

// BenchmarkTrackWhileDumping is Track with a global Inventory while
// another goroutine dumps the inventory without pause (impl=dumping),
// against Track alone (impl=alone).
func BenchmarkTrackWhileDumping(b *testing.B) {
	run := func(b *testing.B, dump bool) {
		inv := trackable.NewInventory()
		useGlobal(b, inv)
		inv.SetObjectTracking(sessionType, true)
		for i := range 200 { // a realistic inventory: some types, some records
			inv.NotifyAttached(trackable.Event{Serial: uint64(i + 1), Type: sessionType, Bundle: i})
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					if dump {
						_ = inv.Dump(discard{})
					} else {
						runtime.Gosched()
					}
				}
			}
		}()
		floor.Quiet(b)
		b.ReportAllocs()
		for b.Loop() {
			sinkConn = trackable.Track(&conn64{})
		}
		b.StopTimer()
		close(stop)
		<-done
	}
	b.Run("impl=alone", func(b *testing.B) { run(b, false) })
	b.Run("impl=dumping", func(b *testing.B) { run(b, true) })
}
