package leakcheck

import (
	"reflect"

	"github.com/objtrack/objtrack/internal/recorded"
)

func init() { recorded.Of = recordedOf }

// recordedOf returns the live objects of type t that the registry holds.
func recordedOf(t reflect.Type) []recorded.Object {
	var out []recorded.Object
	for _, o := range reg.collect(func(uint64, uint64) bool { return true }) {
		if o.typ != t {
			continue
		}
		ro := recorded.Object{Serial: o.serial, Bundle: o.bundle}
		for _, f := range reg.frames(o.site) {
			ro.Frames = append(ro.Frames, f.String())
		}
		out = append(out, ro)
	}
	return out
}
