package trackable

import (
	"cmp"
	"fmt"
	"reflect"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/objtrack/objtrack/internal/typename"
)

// Growth describes a type whose live count keeps rising: the signal of a
// slow leak, long before it pages anyone (objgraph's show_growth,
// LeakCanary's "repeatedly growing").
type Growth struct {
	// Name is the type's name as the inventory's snapshots give it
	// (TypeCount.Name): "db.Conn", or the full import path when two
	// counted types print alike.
	Name string `json:"type"`
	// Type is the growing type (the struct, not the pointer).
	Type reflect.Type `json:"-"`
	// LastSample is the live count at the latest sample. A sample counts
	// the objects not yet collected, garbage included, so it can differ
	// from a later snapshot's Live; the trend is what Growth reports.
	LastSample int64 `json:"last_sample"`
	Rise       int64 `json:"rise"`  // latest minus oldest sample of the window
	Steps      int   `json:"steps"` // sample-to-sample steps in the window
	Rises      int   `json:"rises"` // steps in which the count rose
}

// Sampling defaults.
const (
	// DefaultSamples is the window of StartSampling when samples is 0.
	DefaultSamples = 10
	// minSamples is the fewest samples that can show a trend.
	minSamples = 4
)

// growth holds a fixed ring of live counts per type.
type growth struct {
	mu      sync.Mutex
	samples int // window size; 0 until sampling starts
	rings   map[reflect.Type]*ring
	stop    chan struct{}
}

type ring struct {
	counts []int64 // oldest first once full
	next   int
	full   bool
}

func (r *ring) add(n int64) {
	r.counts[r.next] = n
	r.next = (r.next + 1) % len(r.counts)
	if r.next == 0 {
		r.full = true
	}
}

// ordered returns the samples oldest first.
func (r *ring) ordered() []int64 {
	if !r.full {
		return slices.Clone(r.counts[:r.next])
	}
	return append(slices.Clone(r.counts[r.next:]), r.counts[:r.next]...)
}

// StartSampling records the live count of every type every interval,
// keeping the last samples counts of each (DefaultSamples if samples is
// 0), and returns a function that stops it. A tick takes a sample only if
// the garbage collector completed a cycle since the previous sample: live
// counts include garbage not yet collected, and comparing them across a
// collection is what tells a leak from garbage. StartSampling never forces
// a collection. Memory stays bounded: one
// ring of samples counts per type. A type is reported as growing by
// [Inventory.Growing], in dumps and in snapshots when, over a full window,
// its count ended higher than it began and rose in at least three steps
// out of four.
//
// StartSampling returns an error for a non-positive interval, a window
// under 4 samples, or when sampling is already running.
func (inv *Inventory) StartSampling(interval time.Duration, samples int) (stop func(), err error) {
	if interval <= 0 {
		return nil, fmt.Errorf("trackable: StartSampling(%v, ...): the interval must be positive", interval)
	}
	if samples == 0 {
		samples = DefaultSamples
	}
	if samples < minSamples {
		return nil, fmt.Errorf("trackable: StartSampling(..., %d): keep at least %d samples to see a trend", samples, minSamples)
	}
	g := &inv.growth
	g.mu.Lock()
	if g.stop != nil {
		g.mu.Unlock()
		return nil, fmt.Errorf("trackable: StartSampling: this inventory is sampling already; stop it first")
	}
	g.samples = samples
	g.rings = map[reflect.Type]*ring{}
	done := make(chan struct{})
	g.stop = done
	g.mu.Unlock()

	go func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		var last uint64
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				metrics.Read(cycles)
				if n := cycles[0].Value.Uint64(); n != last {
					last = n
					inv.Sample()
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			close(done)
			g.stop = nil
		})
	}, nil
}

// Sample records the live count of every type now, as the sampling ticker
// does. It does nothing unless StartSampling was called.
func (inv *Inventory) Sample() {
	g := &inv.growth
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.samples == 0 {
		return
	}
	inv.types.Range(func(k, v any) bool {
		t := k.(reflect.Type)
		r := g.rings[t]
		if r == nil {
			r = &ring{counts: make([]int64, g.samples)}
			g.rings[t] = r
		}
		live, _ := v.(*typeEntry).counts()
		r.add(live)
		return true
	})
}

// Samples returns the live counts of type t that sampling kept, oldest
// first: one per sample taken since the inventory first counted t, at
// most the window given to StartSampling. It returns nil until a sample
// counted t, so always when the inventory does not sample. A sample counts
// the objects not yet collected at that moment, garbage included, so its
// last value can differ from the live count of a later Snapshot; package
// inspect draws them as each type's trend.
//
// t may be the struct type or a pointer to it, as for SetObjectTracking.
// The result is a copy: the caller may keep it.
func (inv *Inventory) Samples(t reflect.Type) []int64 {
	if t == nil {
		panic("trackable: Inventory.Samples(nil): pass the tracked type, e.g. reflect.TypeFor[Conn]()")
	}
	t = objectTypeOf("Samples", t)
	g := &inv.growth
	g.mu.Lock()
	defer g.mu.Unlock()
	if r := g.rings[t]; r != nil {
		return r.ordered()
	}
	return nil
}

// Growing returns the types whose live count keeps rising, the largest
// rise first; nil unless the inventory samples its counts.
func (inv *Inventory) Growing() []Growth {
	g := &inv.growth
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Growth
	for t, r := range g.rings {
		counts := r.ordered()
		if len(counts) < minSamples {
			continue
		}
		rises := 0
		for i := 1; i < len(counts); i++ {
			if counts[i] > counts[i-1] {
				rises++
			}
		}
		steps := len(counts) - 1
		rise := counts[len(counts)-1] - counts[0]
		if rise > 0 && 4*rises >= 3*steps {
			out = append(out, Growth{Name: t.String(), Type: t, LastSample: counts[len(counts)-1], Rise: rise, Steps: steps, Rises: rises})
		}
	}
	slices.SortFunc(out, func(a, b Growth) int {
		if c := cmp.Compare(b.Rise, a.Rise); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	inv.nameGrowth(out)
	return out
}

// nameGrowth gives growing types the names that the inventory's snapshots
// give them: the full import path for a type that prints as another
// counted type does.
func (inv *Inventory) nameGrowth(gs []Growth) {
	if len(gs) == 0 {
		return
	}
	short := map[string]int{}
	inv.types.Range(func(k, _ any) bool {
		short[k.(reflect.Type).String()]++
		return true
	})
	for i := range gs {
		if short[gs[i].Name] > 1 {
			gs[i].Name = typename.Full(gs[i].Type)
		}
	}
}
