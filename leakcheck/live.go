package leakcheck

import (
	"reflect"
	"slices"
	"strings"

	"github.com/objtrack/objtrack/internal/display"
	"github.com/objtrack/objtrack/internal/registry"
	"github.com/objtrack/objtrack/internal/settle"
)

// Live returns what leakcheck recorded of the live objects of type t
// (those tracked while a check was in effect, of any tracker, and not yet
// freed), as a failing report shows survivors: grouped by creation site,
// with their serials, bundles and what holds them, found in a heap dump
// of the process unless PathsEnv turns retention paths off. It first
// collects garbage and waits for the cleanups that this queues (as a
// verdict does), so that what it lists is live: held by something. The
// gomega matchers of package ginkgoext print it under a failing
// assertion; a test can print it to see where the objects of a type come
// from. t may be the type or a pointer to it; a nil t panics.
func Live(t reflect.Type) TypeReport {
	if t == nil {
		panic("leakcheck: Live(nil): pass the type of a tracked object, as reflect.TypeFor[db.Conn]()")
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A cleanup that blocks forever leaves objects listed that may be
	// garbage; the list is still what is known.
	_ = settle.Settle(settle.Budget)
	objs := reg.Collect(nil) // sorted by serial
	objs = slices.DeleteFunc(objs, func(o registry.Object) bool { return o.Type != t })
	tr := typeReport(t, objs, display.Objects)
	if tr.Count == 0 || pathsOffByEnv() {
		return tr
	}
	var targets []uint64
	for _, s := range tr.Sites {
		for _, a := range s.addrs {
			targets = append(targets, uint64(a))
		}
	}
	held, note := searchHolders(targets, holderSearch{budget: settle.Budget, heapLimit: DefaultPathsHeapLimit})
	tr.PathsNote = note
	if held == nil {
		return tr
	}
	i := 0
	for si := range tr.Sites {
		site := &tr.Sites[si]
		for _, serial := range site.Serials {
			site.HeldBy = addPath(site.HeldBy, held[i], serial)
			i++
		}
	}
	return tr
}

// String renders the objects of one type as a failing report does: the
// type and its count, then each creation site with its serials, bundles
// and holders, and, from Live, why there are no retention paths.
func (t TypeReport) String() string {
	var b strings.Builder
	writeType(&b, t, "live")
	if t.PathsNote != "" {
		b.WriteString("  retention paths: " + t.PathsNote + "\n")
	}
	return strings.TrimPrefix(b.String(), "\n")
}
