package trackable

import "github.com/objtrack/objtrack/internal/observe"

// sharedState is the state of every tracked object of one type that has
// no bundle and the tracker that was global when it was tracked: the
// common case, which then costs no allocation beyond the runtime's own.
// It never changes; an object that gets a bundle or another tracker gets
// a record of its own instead (see Trackable.lockOwn).
type sharedState struct {
	rec      record           // shared is true; serial is 0
	info     *typeInfo        // the type
	box      *trackerBox      // the global tracker it was made for, or nil
	observer observe.Observer // the observer it was made for, or nil
}

// sharedArg is what the runtime keeps for the destroyed notification of
// an object with shared state.
type sharedArg struct {
	state  *sharedState
	serial uint64
}

// sharedFor returns the shared state for objects of the type tracked by
// the tracker in box (nil: none) and told to obs (nil: none), made on
// first use and after the global tracker changes.
func (info *typeInfo) sharedFor(box *trackerBox, obs observe.Observer) *sharedState {
	if s := info.shared.Load(); s != nil && s.box == box && s.observer == obs {
		return s
	}
	s := &sharedState{info: info, box: box, observer: obs}
	s.rec.shared = true
	s.rec.observed = obs != nil
	s.rec.typeID = info.id
	if box != nil {
		s.rec.tracker = box.t
	}
	info.shared.Store(s)
	return s
}

func (s *sharedState) event(serial uint64) Event {
	return Event{Serial: serial, Type: s.info.typ, index: s.info.id}
}

// sharedDestroyed is destroyed for an object with shared state, which
// holds nothing that could change.
func sharedDestroyed(a sharedArg) {
	destroyedEvent(a.state.rec.tracker, a.state.observer, a.state.event(a.serial))
}
