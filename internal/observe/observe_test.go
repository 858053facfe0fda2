package observe_test

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/observe"
	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	Addr string
}

type quiet struct {
	trackable.Trackable `trackable:"-"`
	_                   [32]byte
}

// recording is an observer that remembers what it was told.
type recording struct {
	mu     sync.Mutex
	events []string
	fail   any // what Tracked returns
}

func (r *recording) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s)
}

func (r *recording) Tracked(serial uint64, typ reflect.Type, _ int, bundle any, _ uintptr) any {
	r.add(fmt.Sprintf("tracked %d %s %v", serial, typ, bundle))
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fail
}
func (r *recording) Updated(serial uint64, bundle any) {
	r.add(fmt.Sprintf("updated %d %v", serial, bundle))
}
func (r *recording) Destroyed(serial uint64) { r.add(fmt.Sprintf("destroyed %d", serial)) }

func (r *recording) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

var rec = &recording{}

func TestMain(m *testing.M) {
	observe.Install(rec)
	m.Run()
}

func collect(t *testing.T) {
	t.Helper()
	if err := settle.Settle(time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
}

//go:noinline
func makeAndDrop(f func() uint64) uint64 { return f() }

// Whatever the program does with trackers, the observer hears of every
// object: tracked with no tracker, with the global tracker removed or
// replaced, moved to another tracker, given a bundle before or after
// Track, or watched.
func TestTheObserverSeesEveryObjectWhateverItsTracker(t *testing.T) {
	collect(t)
	rec.take()
	inv := trackable.NewInventory()
	cases := []struct {
		name string
		make func() uint64
		want func(s uint64) []string
	}{
		{"no tracker", func() uint64 {
			trackable.SetGlobalTracker(nil)
			return trackable.Track(&Conn{}).TrackerSerial()
		}, func(s uint64) []string {
			return []string{fmt.Sprintf("tracked %d observe_test.Conn <nil>", s), fmt.Sprintf("destroyed %d", s)}
		}},
		{"global tracker replaced", func() uint64 {
			trackable.SetGlobalTracker(inv)
			c := trackable.Track(&Conn{})
			trackable.SetGlobalTracker(nil)
			return c.TrackerSerial()
		}, func(s uint64) []string {
			return []string{fmt.Sprintf("tracked %d observe_test.Conn <nil>", s), fmt.Sprintf("destroyed %d", s)}
		}},
		{"moved to another tracker, then to none", func() uint64 {
			c := trackable.Track(&Conn{})
			c.SetTracker(trackable.NewInventory())
			c.SetTracker(nil)
			return c.TrackerSerial()
		}, func(s uint64) []string {
			return []string{fmt.Sprintf("tracked %d observe_test.Conn <nil>", s), fmt.Sprintf("destroyed %d", s)}
		}},
		{"bundles", func() uint64 {
			c := &Conn{}
			c.SetDataBundle("before")
			trackable.Track(c)
			c.SetDataBundle("after")
			return c.TrackerSerial()
		}, func(s uint64) []string {
			return []string{fmt.Sprintf("tracked %d observe_test.Conn before", s), fmt.Sprintf("updated %d after", s), fmt.Sprintf("destroyed %d", s)}
		}},
		{"watched", func() uint64 {
			s, err := trackable.Watch(&struct{ p *int }{})
			if err != nil {
				panic(err)
			}
			return s
		}, func(s uint64) []string {
			return []string{fmt.Sprintf("tracked %d struct { p *int } <nil>", s), fmt.Sprintf("destroyed %d", s)}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer trackable.SetGlobalTracker(nil)
			s := makeAndDrop(c.make)
			collect(t)
			if got, want := rec.take(), c.want(s); !slices.Equal(got, want) {
				t.Errorf("the observer was told\n%q\nwant\n%q", got, want)
			}
		})
	}
	runtime.KeepAlive(inv)
}

// Types that opt out of tracking are not observed either.
func TestOptedOutTypesAreNotObserved(t *testing.T) {
	collect(t)
	rec.take()
	makeAndDrop(func() uint64 { return trackable.Track(&quiet{}).TrackerSerial() })
	collect(t)
	if got := rec.take(); len(got) != 0 {
		t.Errorf("an opted-out type was observed: %q", got)
	}
}

func TestInstallRefusesASecondObserver(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second observer was accepted")
		}
	}()
	observe.Install(&recording{})
}

// An observer that fails the caller of Track (a fuzz input's verdict)
// gets its value panicked with once the object is tracked and no lock is
// held: the object goes on as any other, bundles, tracker changes and
// destruction included, on each of Track's paths and Watch's.
func TestTrackPanicsWithTheObserversFailureOnceTracked(t *testing.T) {
	collect(t)
	rec.take()
	inv := trackable.NewInventory()
	defer runtime.KeepAlive(inv)
	const failure = "the input fails"
	failing := func(f func()) (recovered any) {
		defer func() { recovered = recover() }()
		rec.mu.Lock()
		rec.fail = failure
		rec.mu.Unlock()
		defer func() {
			rec.mu.Lock()
			rec.fail = nil
			rec.mu.Unlock()
		}()
		f()
		return nil
	}
	cases := []struct {
		name string
		make func() uint64
	}{
		{"shared record", func() uint64 {
			c := &Conn{}
			if got := failing(func() { trackable.Track(c) }); got != failure {
				t.Errorf("Track panicked with %v, want %q", got, failure)
			}
			c.SetDataBundle("after")
			c.SetTracker(inv)
			c.SetTracker(nil)
			return c.TrackerSerial()
		}},
		{"own record", func() uint64 {
			c := &Conn{}
			c.SetDataBundle("before")
			if got := failing(func() { trackable.Track(c) }); got != failure {
				t.Errorf("Track panicked with %v, want %q", got, failure)
			}
			c.SetDataBundle("after")
			return c.TrackerSerial()
		}},
		{"watched", func() uint64 {
			if got := failing(func() { _, _ = trackable.Watch(&struct{ p *int }{}) }); got != failure {
				t.Errorf("Watch panicked with %v, want %q", got, failure)
			}
			return 0
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan uint64)
			go func() { done <- makeAndDrop(c.make) }()
			var s uint64
			select {
			case s = <-done:
			case <-time.After(time.Minute):
				t.Fatal("the object's calls after the panic hang: a lock was left held")
			}
			collect(t)
			got := rec.take()
			if s == 0 && len(got) > 0 {
				fmt.Sscanf(got[0], "tracked %d", &s) // Watch's panic takes its result
			}
			if s == 0 || !slices.Contains(got, fmt.Sprintf("destroyed %d", s)) {
				t.Errorf("serial %d: the observer was told %q, want its destruction", s, got)
			}
		})
	}
}
