package inspect

import (
	"fmt"

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
		b = display.Counts(b, tv.Name, "live", tv.Live, tv.liveChange, tv.Retired, tv.retiredChange, tv.changed)
		for _, o := range tv.Objects {
			b = display.Record(b, o.Serial, o.Bundle)
		}
		if tv.moreObjects > 0 {
			b = fmt.Appendf(b, "   ... %d more\n", tv.moreObjects)
		}
	}
	for _, g := range v.growing {
		b = display.Growing(b, g.Name, g.Rise, g.Steps, g.Rises)
	}
	return b
}
