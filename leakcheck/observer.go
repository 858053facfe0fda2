package leakcheck

import (
	"reflect"

	"github.com/objtrack/objtrack/internal/observe"
	"github.com/objtrack/objtrack/internal/stack"
)

// observer is told by package trackable about every tracked object,
// whatever tracker the program gives it (see internal/observe): no call
// of the code under test can hide an object from a verdict.
type observer struct{}

// installObserver installs the observer, once per process, when the first
// scope begins. Objects tracked before are never judged.
func installObserver() {
	installOnce.Do(func() { observe.Install(observer{}) })
}

// Tracked records the object if a verdict will judge it: it belongs to an
// active checked test, or VerifyTestMain runs. It returns what fails a
// fuzz input (see fuzzWatch.look).
func (observer) Tracked(serial uint64, typ reflect.Type, typeIndex int, bundle any, addr uintptr) any {
	o, labelled := owners.Current()
	fallback := o == nil && !labelled && len(owners.WithFunctions()) > 0
	if o == nil && !fallback && mainScope.Load() == nil {
		return nil // no verdict will judge it
	}
	var site stack.ID
	if sites.stacked.Load() > 0 {
		// Skip this method and trackable's track: the trackable frames
		// that remain are left out of reports.
		site = sites.stacks.Record(2)
		if fallback {
			o = owners.ByStack(site, sites.functions)
		}
	}
	var num uint32
	switch {
	case o != nil:
		num = o.Num
	case mainScope.Load() == nil:
		return nil
	}
	if o != nil {
		o.Made.Add(1)
	}
	reg.Add(serial, typ, typeIndex, bundle, site, num, addr)
	if o != nil && o.Tracked != nil {
		return o.Tracked(serial)
	}
	return nil
}

// Updated records the object's new bundle.
func (observer) Updated(serial uint64, bundle any) { reg.Update(serial, bundle) }

// Destroyed forgets the object: it was freed.
func (observer) Destroyed(serial uint64) {
	if word := reg.Remove(serial); word != 0 {
		if o := owners.Numbered(word.Scope()); o != nil {
			o.Freed.Add(1)
		}
	}
}
