package leakcheck

import "reflect"

// Object is a live object that a leakcheck scope recorded.
type Object struct {
	Serial uint64
	Type   reflect.Type
	Bundle any
	Frames []Frame // where it was made; empty when stacks were off
}

// Recorded returns the live objects of type t (the struct type, as in
// trackable.Event) made while a leakcheck scope was in effect, by serial.
// It does not collect garbage first: objects that are unreachable but not
// yet collected are still listed. Matchers in package ginkgoext use it to
// say where survivors were made.
func Recorded(t reflect.Type) []Object {
	var out []Object
	for _, o := range reg.collect(func(uint64) bool { return true }) {
		if o.typ == t {
			out = append(out, Object{Serial: o.serial, Type: o.typ, Bundle: o.bundle, Frames: reg.frames(o.site)})
		}
	}
	return out
}
