package ginkgoext

import (
	"fmt"
	"strings"

	"github.com/objtrack/objtrack/internal/bundle"
	"github.com/objtrack/objtrack/internal/recorded"
	"github.com/objtrack/objtrack/internal/shown"
	"github.com/objtrack/objtrack/internal/typename"
	"github.com/objtrack/objtrack/trackable"
)

// untracked says why a name counts 0: the program has the type, but no
// object of it was tracked. Where the program's types cannot be listed,
// the name may be a typo, and the message says only what is known.
func untracked() string {
	if !typename.Listed {
		return "no type of this name tracked yet"
	}
	return "no object of this type tracked yet"
}

// describeCounted writes the count of one named type for a failure
// message.
func describeCounted(b *strings.Builder, c counted) {
	if !c.known {
		fmt.Fprintf(b, "\n  %s: %s, so none live and none retired\n", c.name, untracked())
		if len(c.others) > 0 {
			fmt.Fprintf(b, "    (tracked types: %s)\n", strings.Join(c.others, ", "))
		}
		return
	}
	describeLive(b, c.tc)
}

// describeLive writes the live objects of one type for a failure message:
// serials and bundles from the inventory's records when object tracking
// is on, and creation sites when a leakcheck scope recorded them.
func describeLive(b *strings.Builder, tc trackable.TypeCount) {
	fmt.Fprintf(b, "\n  %s: %d live, %d retired\n", typename.Full(tc.Type), tc.Live, tc.Retired)
	var objs []recorded.Object
	if recorded.Of != nil {
		objs = recorded.Of(tc.Type)
	}
	sites := make(map[uint64][]string, len(objs))
	bundles := make(map[uint64]any, len(objs))
	for _, o := range objs {
		sites[o.Serial] = o.Frames
		bundles[o.Serial] = o.Bundle
	}
	var serials []uint64
	if tc.ObjectTracking {
		for _, o := range tc.Objects {
			serials = append(serials, o.Serial)
			bundles[o.Serial] = o.Bundle
		}
	} else {
		for _, o := range objs {
			serials = append(serials, o.Serial)
		}
	}
	if len(serials) == 0 {
		b.WriteString("    (turn on object tracking, or run under leakcheck, to see which objects and where they were made)\n")
		return
	}
	listed := serials[:min(len(serials), shown.Objects)]
	var held map[uint64][]string
	var note string
	if recorded.HeldBy != nil && len(objs) > 0 {
		held, note = recorded.HeldBy(tc.Type, listed)
	}
	for _, s := range listed {
		fmt.Fprintf(b, "    obj#%d bundle:%s\n", s, bundle.Format(bundles[s]))
		for j, f := range sites[s] {
			if j == shown.Frames {
				break
			}
			fmt.Fprintf(b, "        %s\n", f)
		}
		if lines := held[s]; len(lines) > 0 {
			b.WriteString("      held by:\n")
			for _, l := range lines {
				fmt.Fprintf(b, "        %s\n", l)
			}
		}
	}
	if len(serials) > len(listed) {
		fmt.Fprintf(b, "    and %d more\n", len(serials)-len(listed))
	}
	if note != "" {
		fmt.Fprintf(b, "    retention paths: %s\n", note)
	}
}
