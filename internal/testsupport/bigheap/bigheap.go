// Package bigheap makes a large live heap with the pointers of a real
// program's (chains of small structs, named by strings, indexed by maps
// and slices) and samples the heap in use: what the cost bars of
// retention paths are measured on.
package bigheap

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

// Node is the bulk of the heap: 80 bytes with two pointers.
type Node struct {
	Next, Peer *Node
	ID         int
	Name       string
	Payload    [4]uint64
}

// Heap is a live heap made by Build. Keep it in a global for as long as
// it must stay live: its Chains and ByID are its roots.
type Heap struct {
	Chains [][]*Node       // the heads of chains of 64 nodes, by thousand
	ByID   []map[int]*Node // every fourth node, in maps of 100 000
	// Targets are the addresses of 100 nodes at all depths of their
	// chains, as numbers: a pointer would be a root of its own.
	Targets []uint64
}

// Build makes about mb megabytes of live heap.
func Build(mb int) *Heap {
	const chainLen = 64
	h := &Heap{}
	nodes := mb << 20 / 108 // a node (80 B), its name (16 B), its share of maps and slices
	var prev *Node
	group := []*Node(nil)
	byID := map[int]*Node{}
	for i := range nodes {
		n := &Node{ID: i, Name: "node-" + strconv.Itoa(i)}
		n.Payload[0] = uint64(i)
		if i%chainLen == 0 {
			group = append(group, n)
			if len(group) == 1000 {
				h.Chains = append(h.Chains, group)
				group = nil
			}
		} else {
			prev.Next = n
		}
		if i%4 == 0 {
			byID[i] = n
			if len(byID) == 100000 {
				h.ByID = append(h.ByID, byID)
				byID = map[int]*Node{}
			}
		}
		if i%1000 == 0 {
			n.Peer = prev
		}
		if i%(nodes/100) == 7 {
			h.Targets = append(h.Targets, uint64(uintptr(unsafe.Pointer(n))))
		}
		prev = n
	}
	h.Chains = append(h.Chains, group)
	h.ByID = append(h.ByID, byID)
	return h
}

// InUse is the memory of heap spans in use: objects, and the free room
// in their spans.
func InUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

// Peak records the highest InUse from SamplePeak to End.
type Peak struct {
	stop    chan struct{}
	done    sync.WaitGroup
	highest uint64
}

// SamplePeak starts sampling InUse every 2 ms.
func SamplePeak() *Peak {
	p := &Peak{stop: make(chan struct{}), highest: InUse()}
	p.done.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			p.highest = max(p.highest, InUse())
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	})
	return p
}

// End stops sampling and returns the highest InUse seen.
func (p *Peak) End() uint64 {
	close(p.stop)
	p.done.Wait()
	return max(p.highest, InUse())
}

// Collect runs the garbage collector and returns InUse after it.
func Collect() uint64 {
	runtime.GC()
	return InUse()
}
