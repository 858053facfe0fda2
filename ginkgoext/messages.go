package ginkgoext

import (
	"fmt"
	"strings"

	"github.com/objtrack/objtrack/internal/display"
	"github.com/objtrack/objtrack/internal/typename"
	"github.com/objtrack/objtrack/leakcheck"
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
// where leakcheck recorded them (objects made while a check was in
// effect), its account of them, as a failing report gives it (creation
// sites, serials, bundles, holders); else the serials and bundles of the
// inventory's records when object tracking is on.
func describeLive(b *strings.Builder, tc trackable.TypeCount) {
	fmt.Fprintf(b, "\n  %s: %d live, %d retired\n", typename.Full(tc.Type), tc.Live, tc.Retired)
	if rec := leakcheck.Live(tc.Type); rec.Count > 0 {
		lines := strings.Split(strings.TrimSuffix(rec.String(), "\n"), "\n")
		for _, l := range lines[1:] { // the first is the type's count
			fmt.Fprintf(b, "  %s\n", l)
		}
		if n := int(tc.Live) - rec.Count; n > 0 {
			fmt.Fprintf(b, "    and %d more, made where no check recorded them\n", n)
		}
		return
	}
	if !tc.ObjectTracking || len(tc.Objects) == 0 {
		b.WriteString("    (turn on object tracking, or run under leakcheck, to see which objects and where they were made)\n")
		return
	}
	listed := tc.Objects[:min(len(tc.Objects), display.Objects)]
	for _, o := range listed {
		fmt.Fprintf(b, "    obj#%d bundle:%s\n", o.Serial, display.Bundle(o.Bundle))
	}
	if len(tc.Objects) > len(listed) {
		fmt.Fprintf(b, "    and %d more\n", len(tc.Objects)-len(listed))
	}
}
