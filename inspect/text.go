package inspect

import (
	"fmt"
	"strconv"
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
		b = pad(append(b, tv.Name...), line+40)
		b = append(b, " live: "...)
		start := len(b)
		b = appendFigure(b, tv.Live, tv.liveChange, tv.changed)
		b = pad(b, start+12)
		b = append(b, " retired: "...)
		b = appendFigure(b, tv.Retired, tv.retiredChange, tv.changed)
		b = append(b, '\n')
		for _, o := range tv.Objects {
			b = append(b, "   obj#"...)
			start := len(b)
			b = pad(strconv.AppendUint(b, o.Serial, 10), start+8)
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

// pad appends spaces until b is end bytes long; a field already as wide
// gets none.
func pad(b []byte, end int) []byte {
	for len(b) < end {
		b = append(b, ' ')
	}
	return b
}

// appendFigure appends a count and, when it is known and not zero, its
// change.
func appendFigure(b []byte, now, change int64, known bool) []byte {
	b = strconv.AppendInt(b, now, 10)
	if !known || change == 0 {
		return b
	}
	b = append(b, " ("...)
	if change > 0 {
		b = append(b, '+')
	}
	b = strconv.AppendInt(b, change, 10)
	return append(b, ')')
}
