package trackable_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/trackable"
)

// Many goroutines make objects, keep some, drop the rest, set bundles and
// move objects between trackers while dumps run: afterwards the counts are
// exact.
func TestConcurrentCountsAreExact(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	inv.SetObjectTracking(sessionType, true)
	const goroutines, perGoroutine = 8, 2000
	kept := make([][]*Conn, goroutines)
	keptSessions := make([][]*Session, goroutines)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() { // dumps and snapshots meanwhile
		for {
			select {
			case <-stop:
				return
			default:
				_ = inv.Dump(discard{})
				inv.Snapshot()
			}
		}
	}()
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				c := trackable.Track(&Conn{})
				c.SetDataBundle(i)
				s := trackable.Track(&Session{ID: i})
				if i%10 == 0 {
					kept[g] = append(kept[g], c)
					keptSessions[g] = append(keptSessions[g], s)
				}
				if i%7 == 0 { // detach and re-attach: net zero
					s.SetTracker(nil)
					s.SetTracker(inv)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	settleGC(t)

	snap := inv.Snapshot()
	conns, err := snap.Lookup("Conn")
	require.NoError(t, err)
	sessions, err := snap.Lookup("Session")
	require.NoError(t, err)
	wantLive := int64(goroutines * perGoroutine / 10)
	wantRetired := int64(goroutines*perGoroutine) - wantLive
	assert.Equal(t, wantLive, conns.Live)
	assert.Equal(t, wantRetired, conns.Retired)
	assert.Equal(t, wantLive, sessions.Live)
	assert.Equal(t, wantRetired, sessions.Retired)
	assert.Len(t, sessions.Objects, int(wantLive), "one record per live session")
	runtime.KeepAlive(kept)
	runtime.KeepAlive(keptSessions)
}

func TestSerialsAreUniqueAcrossGoroutines(t *testing.T) {
	const goroutines, perGoroutine = 8, 1000
	serials := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				serials[g] = append(serials[g], trackable.Track(&Conn{}).TrackerSerial())
			}
		})
	}
	wg.Wait()
	var all []uint64
	for _, s := range serials {
		assert.True(t, slices.IsSorted(s), "each goroutine sees increasing serials")
		all = append(all, s...)
	}
	slices.Sort(all)
	assert.Len(t, slices.Compact(all), goroutines*perGoroutine, "serials are unique")
}

func TestConcurrentTrackOfOneObject(t *testing.T) {
	inv := trackable.NewInventory()
	useGlobal(t, inv)
	for range 200 {
		c := &Conn{}
		var wg sync.WaitGroup
		serials := make([]uint64, 4)
		for i := range serials {
			wg.Go(func() {
				if i%2 == 0 {
					c.SetDataBundle(i)
				}
				serials[i] = trackable.Track(c).TrackerSerial()
			})
		}
		wg.Wait()
		for _, s := range serials {
			assert.Equal(t, serials[0], s, "one object, one serial")
		}
	}
	tc, err := inv.Snapshot().Lookup("Conn")
	require.NoError(t, err)
	assert.Equal(t, int64(200), tc.Live+tc.Retired, "attached once per object")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// orderChecker is a Tracker that notes, per object, any event that comes
// after NotifyDestroyed or while another event of the object is still
// being delivered. Before returning from a notification it collects
// garbage and waits for every cleanup that this queued, so that an object
// found unreachable meanwhile is reported destroyed during the
// notification.
type orderChecker struct {
	mu         sync.Mutex
	inFlight   map[uint64]int
	destroyed  map[uint64]bool
	violations []string
}

func newOrderChecker() *orderChecker {
	return &orderChecker{inFlight: map[uint64]int{}, destroyed: map[uint64]bool{}}
}

func (c *orderChecker) deliver(kind string, e trackable.Event) {
	c.mu.Lock()
	if c.destroyed[e.Serial] {
		c.violations = append(c.violations, fmt.Sprintf("%s after destroyed: #%d", kind, e.Serial))
	}
	c.inFlight[e.Serial]++
	c.mu.Unlock()

	settle.Settle(30 * time.Second)

	c.mu.Lock()
	c.inFlight[e.Serial]--
	c.mu.Unlock()
}

func (c *orderChecker) NotifyAttached(e trackable.Event) { c.deliver("attached", e) }
func (c *orderChecker) NotifyDetached(e trackable.Event) { c.deliver("detached", e) }
func (c *orderChecker) NotifyUpdated(e trackable.Event)  { c.deliver("updated", e) }

func (c *orderChecker) NotifyDestroyed(e trackable.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.destroyed[e.Serial]:
		c.violations = append(c.violations, fmt.Sprintf("destroyed twice: #%d", e.Serial))
	case c.inFlight[e.Serial] > 0:
		c.violations = append(c.violations, fmt.Sprintf("destroyed during another event: #%d", e.Serial))
	}
	c.destroyed[e.Serial] = true
}

// The last use of an object is a method that notifies its tracker: the
// object's cleanup must not deliver NotifyDestroyed before that
// notification has returned.
func TestDestroyedIsAlwaysTheLastEvent(t *testing.T) {
	lastUses := map[string]func(*orderChecker){
		"Track":         func(*orderChecker) { trackable.Track(&Conn{}) },
		"SetDataBundle": func(*orderChecker) { trackable.Track(&Conn{}).SetDataBundle(1) },
		"SetTracker":    func(c *orderChecker) { trackable.Track(&Conn{}).SetTracker(c) },
		"Watch": func(*orderChecker) {
			_, err := trackable.Watch(&Session{})
			assert.NoError(t, err)
		},
	}
	for name, lastUse := range lastUses {
		t.Run(name, func(t *testing.T) {
			checker := newOrderChecker()
			useGlobal(t, checker)
			const objects = 5
			for range objects {
				lastUse(checker)
			}
			settleGC(t)
			checker.mu.Lock()
			defer checker.mu.Unlock()
			assert.Empty(t, checker.violations)
			assert.Len(t, checker.destroyed, objects, "every object was destroyed once")
		})
	}
}

// history is a Tracker that keeps each object's events in order.
type history struct {
	mu     sync.Mutex
	events map[uint64][]string
}

func (h *history) add(kind string, e trackable.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.events == nil {
		h.events = map[uint64][]string{}
	}
	h.events[e.Serial] = append(h.events[e.Serial], fmt.Sprintf("%s %v", kind, e.Bundle))
}

func (h *history) NotifyAttached(e trackable.Event)  { h.add("attached", e) }
func (h *history) NotifyDetached(e trackable.Event)  { h.add("detached", e) }
func (h *history) NotifyUpdated(e trackable.Event)   { h.add("updated", e) }
func (h *history) NotifyDestroyed(e trackable.Event) { h.add("destroyed", e) }

// An object tracked without a bundle shares its state with others of its
// type until its first bundle or tracker: goroutines racing to give it
// one must leave one record, and one destroyed notification that carries
// the last bundle.
func TestConcurrentFirstChangeAfterTrack(t *testing.T) {
	h := &history{}
	useGlobal(t, h)
	const objects, goroutines = 300, 4
	for range objects {
		c := trackable.Track(&Conn{})
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				if g == 0 {
					c.SetTracker(h) // detached, then attached again
					return
				}
				c.SetDataBundle(g)
				assert.NotZero(t, c.TrackerSerial())
			})
		}
		wg.Wait()
	}
	settleGC(t)

	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.events, objects)
	for serial, events := range h.events {
		// attached, detached and attached, an update per bundle, destroyed
		require.Len(t, events, 3+goroutines, "#%d: %v", serial, events)
		assert.Equal(t, "attached <nil>", events[0], "#%d", serial)
		last := events[len(events)-1]
		assert.True(t, strings.HasPrefix(last, "destroyed "), "#%d ends with %q", serial, last)
		var lastBundle string
		for _, e := range events[1 : len(events)-1] {
			assert.False(t, strings.HasPrefix(e, "destroyed"), "#%d destroyed twice: %v", serial, events)
			if b, ok := strings.CutPrefix(e, "updated "); ok {
				lastBundle = b
			}
		}
		assert.Equal(t, "destroyed "+lastBundle, last, "#%d carries its last bundle", serial)
	}
}

// Calls on an object racing its Track wait for it: no tracker hears of
// the object before NotifyAttached.
func TestCallsRacingTrackComeAfterAttached(t *testing.T) {
	h := &history{}
	useGlobal(t, h)
	const objects = 300
	for i := range objects {
		c := &Conn{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			trackable.Track(c)
		})
		wg.Go(func() {
			<-start
			for c.TrackerSerial() == 0 && i%4 == 0 { // into the middle of Track
				runtime.Gosched()
			}
			if i%2 == 0 {
				c.SetDataBundle(i)
			} else if c.TrackerSerial() != 0 {
				c.SetTracker(h)
			}
		})
		close(start)
		wg.Wait()
		trackable.Track(c) // tracked, whoever came first
	}
	settleGC(t)

	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.events, objects)
	for serial, events := range h.events {
		assert.True(t, strings.HasPrefix(events[0], "attached "), "#%d: %v", serial, events)
		assert.True(t, strings.HasPrefix(events[len(events)-1], "destroyed "), "#%d: %v", serial, events)
	}
}
