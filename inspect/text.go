package inspect

import (
	"fmt"
	"strconv"

	"github.com/objtrack/objtrack/internal/display"
)

// appendText appends the text view, in pytracker's layout with one word
// for each count: a line per type with its live and retired counts, each
// followed by its change since the baseline when one was given and the
// count changed; under it, the records shown and a "... n more" line for
// those held back; then a line per growing type.
//
//	example.com/app.Conn                     live: 2 (+1)       retired: 5 (+1)
//	   obj#12       bundle:"10.0.0.7:5432"
//	   ... 3 more
//	growing: app.Conn                        +8 over the last 9 samples, rising in 9 of them
//
// The growing line gives the trend and no count of its own: a sample
// counts garbage not yet collected, and a second "live" figure that
// differs from the type's line would only confuse.
func appendText(b []byte, v view) []byte {
	for _, tv := range v.types {
		line := len(b)
		b = display.Pad(append(b, tv.Name...), line+40)
		b = append(b, " live: "...)
		start := len(b)
		b = display.Figure(b, tv.Live, tv.liveChange, tv.changed)
		b = display.Pad(b, start+12)
		b = append(b, " retired: "...)
		b = display.Figure(b, tv.Retired, tv.retiredChange, tv.changed)
		b = append(b, '\n')
		for _, o := range tv.Objects {
			b = append(b, "   obj#"...)
			start := len(b)
			b = display.Pad(strconv.AppendUint(b, o.Serial, 10), start+8)
			b = append(b, " bundle:"...)
			b = appendBundle(b, o.Bundle)
			b = append(b, '\n')
		}
		if tv.moreObjects > 0 {
			b = fmt.Appendf(b, "   ... %d more\n", tv.moreObjects)
		}
	}
	for _, g := range v.growing {
		b = fmt.Appendf(b, "growing: %-31s +%d over the last %d samples, rising in %d of them\n", g.Name, g.Rise, g.Steps, g.Rises)
	}
	return b
}
