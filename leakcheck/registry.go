package leakcheck

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/stack"
	"github.com/objtrack/objtrack/trackable"
)

// The registry records every object attached while a leakcheck scope is
// in effect: its type, bundle, creation site and the scopes that were
// active when it was made. There is one per process, because there is one
// global tracker.
var reg registry

type registry struct {
	stacks  stack.Table
	types   sync.Map // reflect.Type -> struct{}: every type ever recorded
	shards  [64]shard
	stacked atomic.Int32 // active scopes that want creation sites

	mu        sync.Mutex
	active    atomic.Pointer[activeSet] // replaced under mu, read without
	installed *scopeTracker             // the global tracker while scopes are active
	resolved  map[stack.ID][]stack.Frame
}

// activeSet is an immutable list of the scopes active at one moment.
type activeSet struct {
	scopes []*scope
}

func (a *activeSet) has(s *scope) bool {
	return a != nil && slices.Contains(a.scopes, s)
}

type shard struct {
	mu sync.Mutex
	m  map[uint64]entry
	_  [40]byte
}

// entry is what the registry knows of one live object.
type entry struct {
	typ      reflect.Type
	bundle   any
	site     stack.ID
	born     *activeSet
	reported bool // already reported by a verdict
}

func (r *registry) shard(serial uint64) *shard {
	return &r.shards[serial%uint64(len(r.shards))]
}

func (r *registry) add(e trackable.Event, site stack.ID) {
	if _, seen := r.types.Load(e.Type); !seen {
		r.types.Store(e.Type, struct{}{})
	}
	en := entry{typ: e.Type, bundle: e.Bundle, site: site, born: r.active.Load()}
	sh := r.shard(e.Serial)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[uint64]entry)
	}
	sh.m[e.Serial] = en
	sh.mu.Unlock()
}

func (r *registry) update(e trackable.Event) {
	sh := r.shard(e.Serial)
	sh.mu.Lock()
	if en, ok := sh.m[e.Serial]; ok {
		en.bundle = e.Bundle
		sh.m[e.Serial] = en
	}
	sh.mu.Unlock()
}

func (r *registry) remove(serial uint64) {
	sh := r.shard(serial)
	sh.mu.Lock()
	delete(sh.m, serial)
	sh.mu.Unlock()
}

// live is one live object, copied out of the registry.
type live struct {
	serial uint64
	entry
}

// collect returns the live objects that keep says to, sorted by serial.
func (r *registry) collect(keep func(*entry) bool) []live {
	var out []live
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for serial, en := range sh.m {
			if keep(&en) {
				out = append(out, live{serial, en})
			}
		}
		sh.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b live) int { return compareUint(a.serial, b.serial) })
	return out
}

// count counts the live objects that keep says to.
func (r *registry) count(keep func(*entry) bool) uint64 {
	var n uint64
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for _, en := range sh.m {
			if keep(&en) {
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

func (r *registry) markReported(serials []uint64) {
	for _, s := range serials {
		sh := r.shard(s)
		sh.mu.Lock()
		if en, ok := sh.m[s]; ok {
			en.reported = true
			sh.m[s] = en
		}
		sh.mu.Unlock()
	}
}

// frames resolves a creation site once and remembers it.
func (r *registry) frames(id stack.ID) []stack.Frame {
	if id == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.resolved[id]; ok {
		return f
	}
	f := r.stacks.Frames(id, hiddenFrames...)
	if r.resolved == nil {
		r.resolved = map[stack.ID][]stack.Frame{}
	}
	r.resolved[id] = f
	return f
}

// hiddenFrames are left out of creation sites: they are the same for
// every object.
var hiddenFrames = []string{
	"github.com/objtrack/objtrack/trackable.",
	"github.com/objtrack/objtrack/leakcheck.",
}

// begin makes s active, installing the scope tracker as the global
// tracker if s is the first active scope.
func (r *registry) begin(s *scope) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.active.Load()
	next := &activeSet{}
	if old != nil {
		next.scopes = append(next.scopes, old.scopes...)
	}
	next.scopes = append(next.scopes, s)
	r.active.Store(next)
	if s.cfg.stacks {
		r.stacked.Add(1)
	}
	// Install the scope tracker, or install it again over a tracker that
	// the program set meanwhile, which then receives every event too.
	if cur := trackable.GlobalTracker(); r.installed == nil || cur != trackable.Tracker(r.installed) {
		r.installed = &scopeTracker{prev: cur}
		trackable.SetGlobalTracker(r.installed)
	}
}

// end makes s inactive, restoring the previous global tracker once no
// scope is active. Objects attached meanwhile keep reporting to the scope
// tracker, which forwards every event to the tracker it replaced.
func (r *registry) end(s *scope) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.active.Load()
	if !old.has(s) {
		return
	}
	next := &activeSet{}
	for _, a := range old.scopes {
		if a != s {
			next.scopes = append(next.scopes, a)
		}
	}
	s.ended.Store(true)
	if s.cfg.stacks {
		r.stacked.Add(-1)
	}
	if len(next.scopes) == 0 {
		next = nil
		// Restore only if nobody replaced the scope tracker meanwhile.
		if trackable.GlobalTracker() == trackable.Tracker(r.installed) {
			trackable.SetGlobalTracker(r.installed.prev)
		}
		r.installed = nil
	}
	r.active.Store(next)
}

// scopeTracker is the global tracker while leakcheck scopes are active:
// it records objects in the registry and forwards every event to the
// tracker that was global before (a production Inventory, say).
type scopeTracker struct {
	prev trackable.Tracker
}

// NotifyAttached records the object and where it was made.
func (t *scopeTracker) NotifyAttached(e trackable.Event) {
	var site stack.ID
	if reg.stacked.Load() > 0 {
		// Skip this method and trackable's notify; the trackable frames
		// that remain are left out of reports.
		site = reg.stacks.Record(2)
	}
	reg.add(e, site)
	if t.prev != nil {
		t.prev.NotifyAttached(e)
	}
}

// NotifyDetached forgets the object: it moved to another tracker.
func (t *scopeTracker) NotifyDetached(e trackable.Event) {
	reg.remove(e.Serial)
	if t.prev != nil {
		t.prev.NotifyDetached(e)
	}
}

// NotifyUpdated records the new bundle.
func (t *scopeTracker) NotifyUpdated(e trackable.Event) {
	reg.update(e)
	if t.prev != nil {
		t.prev.NotifyUpdated(e)
	}
}

// NotifyDestroyed forgets the object: it was freed.
func (t *scopeTracker) NotifyDestroyed(e trackable.Event) {
	reg.remove(e.Serial)
	if t.prev != nil {
		t.prev.NotifyDestroyed(e)
	}
}

// scope is one VerifyTestMain run or one checked test.
type scope struct {
	name  string // the test's name, or "TestMain"
	fn    string // the test's function, for attribution by creation site
	main  bool   // VerifyTestMain's scope: the ancestor of every test
	all   bool   // Find: every recorded object, whatever its scope
	cfg   *config
	ended atomic.Bool
}

// isAncestorOf reports whether s is a parent test of o ("TestX" of
// "TestX/case_1").
func (s *scope) isAncestorOf(o *scope) bool {
	return s.main || strings.HasPrefix(o.name, s.name+"/")
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
