package leakcheck

import (
	"strings"
	"sync/atomic"

	"github.com/objtrack/objtrack/internal/stack"
	"github.com/objtrack/objtrack/trackable"
)

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
	// The generations in which s began and ended (0 while active): the
	// objects made in between are s's.
	firstGen uint64
	lastGen  atomic.Uint64
}

// removed counts the objects made in s that were freed or detached:
// settling stops when a round changes it no more. Find's scope counts
// every object.
func (s *scope) removed() uint64 {
	if s.all {
		return reg.removedSince(1, 0)
	}
	return reg.removedSince(s.firstGen, s.lastGen.Load())
}

// isAncestorOf reports whether s is a parent test of o ("TestX" of
// "TestX/case_1").
func (s *scope) isAncestorOf(o *scope) bool {
	return s.main || strings.HasPrefix(o.name, s.name+"/")
}

// begin makes s active, installing the scope tracker as the global
// tracker if s is the first active scope.
func (r *registry) begin(s *scope) {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := &activeSet{}
	if r.active != nil {
		next.scopes = append(next.scopes, r.active.scopes...)
	}
	next.scopes = append(next.scopes, s)
	s.firstGen = r.setActive(next)
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
	old := r.active
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
	s.lastGen.Store(r.generation.Load())
	r.setActive(next)
}
