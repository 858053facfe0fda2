package leakcheck

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/objtrack/objtrack/internal/recorded"
	"github.com/objtrack/objtrack/internal/shown"
	"github.com/objtrack/objtrack/internal/typename"
)

func init() {
	recorded.Of = recordedOf
	recorded.HeldBy = heldBy
}

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

// heldBy gives the gomega matchers of package ginkgoext the retention
// paths of recorded objects, as Check's report shows them. They follow
// OBJTRACK_LEAKCHECK_PATHS and the default limits, having no options.
func heldBy(t reflect.Type, serials []uint64) (map[uint64][]string, string) {
	if pathsOffByEnv() || len(serials) == 0 {
		return nil, ""
	}
	var objs []live
	for _, o := range reg.collect(func(uint64, uint64) bool { return true }) {
		if o.typ == t && slices.Contains(serials, o.serial) {
			objs = append(objs, o)
		}
	}
	targets := make([]uint64, len(objs))
	for i, o := range objs {
		targets[i] = uint64(o.addr)
	}
	held, note := searchHolders(targets, holderSearch{budget: shown.Budget, heapLimit: DefaultPathsHeapLimit})
	if held == nil {
		return nil, note
	}
	lines := make(map[uint64][]string, len(objs))
	for i, o := range objs {
		p := held[i]
		l := []string{p.Root}
		for _, v := range p.Via {
			l = append(l, "-> "+v)
		}
		lines[o.serial] = append(l, fmt.Sprintf("-> *%s  serial %d", shortTypeName(typename.Full(t)), o.serial))
	}
	return lines, note
}
