package otelobjtrack

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/objtrack/objtrack/trackable"
)

// ScopeName is the instrumentation scope of the meter that Start uses:
// the name to select these metrics by in a view or a filter.
const ScopeName = "github.com/objtrack/objtrack/otelobjtrack"

// The instruments, and the attribute that names the type of each series.
const (
	liveName    = "objtrack.objects.live"
	retiredName = "objtrack.objects.retired"
	growingName = "objtrack.objects.growing"
	objectUnit  = "{object}"
	typeKey     = attribute.Key("objtrack.type")
)

// Start reports inv's counts through OpenTelemetry until stop is called:
// the live and retired objects of each type, and the types whose live
// count keeps rising (see the package documentation for the instruments
// and their attributes). The instruments are observable: nothing happens
// until a reader collects, and then the callback reads one
// [trackable.Inventory.Snapshot] for all of them.
//
// Start returns an error, and registers no callback, when inv is nil, when
// an option is invalid, or when the meter refuses an instrument or the
// callback. stop unregisters the callback: once it has returned, no
// collection reads inv any more. Calling stop again does nothing and
// returns nil.
//
// Call Start once per inventory and meter provider: each call registers a
// callback of its own, and the SDK adds up the observations that two
// callbacks make of one series, so the counts would be reported twice.
func Start(inv *trackable.Inventory, opts ...Option) (stop func() error, err error) {
	if inv == nil {
		return nil, fmt.Errorf("otelobjtrack: Start(nil, ...): pass the inventory to report, such as the one given to trackable.SetGlobalTracker")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	meter := cfg.provider.Meter(ScopeName)
	c := &collector{inv: inv, maxTypes: cfg.maxTypes, series: map[reflect.Type]*series{}}
	c.other.attrs = attributes(otherType)
	if c.live, err = meter.Int64ObservableUpDownCounter(liveName,
		metric.WithUnit(objectUnit),
		metric.WithDescription("Tracked objects attached to the inventory and not yet freed, by type.")); err != nil {
		return nil, fmt.Errorf("otelobjtrack: Start: %w", err)
	}
	if c.retired, err = meter.Int64ObservableCounter(retiredName,
		metric.WithUnit(objectUnit),
		metric.WithDescription("Tracked objects freed by the garbage collector while attached to the inventory, by type.")); err != nil {
		return nil, fmt.Errorf("otelobjtrack: Start: %w", err)
	}
	if c.growing, err = meter.Int64ObservableGauge(growingName,
		metric.WithDescription("1 for each type whose live count keeps rising, while the inventory samples its counts.")); err != nil {
		return nil, fmt.Errorf("otelobjtrack: Start: %w", err)
	}
	reg, err := meter.RegisterCallback(c.collect, c.live, c.retired, c.growing)
	if err != nil {
		return nil, fmt.Errorf("otelobjtrack: Start: %w", err)
	}
	var once sync.Once
	return func() error {
		err := error(nil)
		once.Do(func() {
			err = reg.Unregister()
			// A collection that started before Unregister may still be
			// running: wait for it, and make sure it is the last.
			c.mu.Lock()
			c.stopped = true
			c.mu.Unlock()
		})
		return err
	}, nil
}

// collector is the state of one Start: the instruments, and what the
// callback keeps from one collection to the next.
type collector struct {
	inv                    *trackable.Inventory
	maxTypes               int
	live, retired, growing metric.Int64Observable

	// mu serializes collections (each reader of a provider runs its own)
	// and guards everything below. Track and cleanups never take it.
	mu      sync.Mutex
	stopped bool
	series  map[reflect.Type]*series
	other   otherSeries
	ranked  []int // reused by rank
}

// series is what the collector keeps of one type.
type series struct {
	// attrs holds the type's attribute set, made the first time the type
	// is reported by name and reused after: each collection then
	// allocates nothing per type (passing attrs... to an observer does
	// not make a slice).
	attrs []metric.ObserveOption
	// lastRetired is the type's retired count at the previous collection,
	// from which "other" adds the retirements since (see otherSeries).
	lastRetired int64
}

// collect is the callback of the three instruments.
func (c *collector) collect(_ context.Context, o metric.Observer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	snap := c.inv.Snapshot()
	var growing map[reflect.Type]bool
	if len(snap.Growing) > 0 {
		growing = make(map[reflect.Type]bool, len(snap.Growing))
		for _, g := range snap.Growing {
			growing[g.Type] = true
		}
	}
	top, rest := c.rank(snap.Types)
	for _, i := range top {
		tc := &snap.Types[i]
		s := c.seriesOf(tc.Type)
		if s.attrs == nil {
			s.attrs = attributes(typeName(tc))
		}
		s.lastRetired = tc.Retired
		o.ObserveInt64(c.live, tc.Live, s.attrs...)
		o.ObserveInt64(c.retired, tc.Retired, s.attrs...)
		if growing != nil && growing[tc.Type] {
			o.ObserveInt64(c.growing, 1, s.attrs...)
		}
	}
	if rest == nil && !c.other.started {
		return nil
	}
	var live int64
	otherGrowing := false
	for _, i := range rest {
		tc := &snap.Types[i]
		live += tc.Live
		s := c.seriesOf(tc.Type)
		if !c.other.started {
			s.lastRetired = 0 // "other" starts with the whole history of its types
		}
		c.other.add(s, tc.Retired)
		otherGrowing = otherGrowing || (growing != nil && growing[tc.Type])
	}
	c.other.started = true
	o.ObserveInt64(c.live, live, c.other.attrs...)
	o.ObserveInt64(c.retired, c.other.retired, c.other.attrs...)
	if otherGrowing {
		o.ObserveInt64(c.growing, 1, c.other.attrs...)
	}
	return nil
}

// attributes returns the options of an observation for the type named
// name.
func attributes(name string) []metric.ObserveOption {
	return []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(typeKey.String(name)))}
}

func (c *collector) seriesOf(t reflect.Type) *series {
	s := c.series[t]
	if s == nil {
		s = &series{}
		c.series[t] = s
	}
	return s
}

// typeName is the value of objtrack.type for a type: its full name,
// "example.com/db.Conn", which stays the same whatever other types the
// inventory counts (the snapshot's Name is "db.Conn" until a second type
// prints alike). Unnamed types, such as the maps and channels passed to
// trackable.Watch, keep the snapshot's name.
func typeName(tc *trackable.TypeCount) string {
	if t := tc.Type; t != nil && t.Name() != "" && t.PkgPath() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	return tc.Name
}
