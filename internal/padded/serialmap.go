package padded

import (
	"sync"
	"unsafe"
)

// SerialMap maps serial numbers to values (an object's bundle). It is
// split into shards, each alone on its cache line, so that goroutines
// that make and free objects of one type rarely wait on each other. The
// zero value is empty and ready to use.
type SerialMap struct {
	shards [16]serialShard
}

type serialShard struct {
	mu sync.Mutex
	m  map[uint64]any
	// with mu (8 bytes) and m (a pointer: 8 bytes, or 4 on 32-bit
	// platforms), one 64-byte line
	_ [64 - unsafe.Sizeof(sync.Mutex{}) - unsafe.Sizeof(map[uint64]any(nil))]byte
}

func (sm *SerialMap) shard(serial uint64) *serialShard {
	return &sm.shards[serial%uint64(len(sm.shards))]
}

// Store records v (nil included) under serial.
func (sm *SerialMap) Store(serial uint64, v any) {
	s := sm.shard(serial)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[uint64]any)
	}
	s.m[serial] = v
	s.mu.Unlock()
}

// Delete forgets serial.
func (sm *SerialMap) Delete(serial uint64) {
	s := sm.shard(serial)
	s.mu.Lock()
	delete(s.m, serial)
	s.mu.Unlock()
}

// Load returns the value under serial, and whether there is one.
func (sm *SerialMap) Load(serial uint64) (any, bool) {
	s := sm.shard(serial)
	s.mu.Lock()
	v, ok := s.m[serial]
	s.mu.Unlock()
	return v, ok
}

// Len returns the number of serials recorded; with writers running, a
// count that was true at some moment during the call.
func (sm *SerialMap) Len() int {
	n := 0
	for i := range sm.shards {
		s := &sm.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// Range calls f for every serial and value, in no order, one shard at a
// time with that shard locked: f must not call the map's methods.
func (sm *SerialMap) Range(f func(serial uint64, v any)) {
	for i := range sm.shards {
		s := &sm.shards[i]
		s.mu.Lock()
		for serial, v := range s.m {
			f(serial, v)
		}
		s.mu.Unlock()
	}
}
