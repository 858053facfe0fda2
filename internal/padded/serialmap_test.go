package padded_test

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/objtrack/objtrack/internal/padded"
)

func TestSerialMap(t *testing.T) {
	var sm padded.SerialMap
	if _, ok := sm.Load(1); ok || sm.Len() != 0 {
		t.Fatal("a zero SerialMap is not empty")
	}
	sm.Store(1, "a")
	sm.Store(17, nil) // same shard as 1; a nil value is a value
	sm.Store(2, 2)
	if v, ok := sm.Load(17); !ok || v != nil {
		t.Errorf("Load(17) = %v, %v; want nil, true", v, ok)
	}
	sm.Delete(1)
	sm.Delete(99) // absent: nothing happens
	got := map[uint64]any{}
	sm.Range(func(s uint64, v any) { got[s] = v })
	if len(got) != 2 || got[2] != 2 || sm.Len() != 2 {
		t.Errorf("after Delete(1): %v (Len %d), want 17 and 2", got, sm.Len())
	}
}

func TestSerialMapConcurrentWriters(t *testing.T) {
	var sm padded.SerialMap
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				s := uint64(g*1000 + i)
				sm.Store(s, i)
				if i%2 == 0 {
					sm.Delete(s)
				}
			}
		})
	}
	wg.Wait()
	if n := sm.Len(); n != 4000 {
		t.Errorf("Len = %d, want 4000", n)
	}
}

func TestSerialShardsFillCacheLines(t *testing.T) {
	var sm padded.SerialMap
	if size := unsafe.Sizeof(sm); size != 16*64 {
		t.Errorf("SerialMap is %d bytes, want 16 shards of 64", size)
	}
}
