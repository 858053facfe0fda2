package display

// The text views of an inventory, pytracker's dump and what inspect
// serves, are laid out in one way: a type's name padded to a column,
// then each count with its change, as "live: 20 (+3)"; under it, a line
// per object record; after the types, a line per growing type.

import (
	"fmt"
	"strconv"
)

// Counts appends a type's line: its name padded to 40 columns, the live
// count under the word first (pytracker's dump says "allocated", inspect
// "live") and the retired count, each with its change when show is true.
func Counts(b []byte, name, first string, live, liveChange, retired, retiredChange int64, show bool) []byte {
	line := len(b)
	b = Pad(append(b, name...), line+40)
	b = append(append(append(b, ' '), first...), ": "...)
	start := len(b)
	b = Figure(b, live, liveChange, show)
	b = Pad(b, start+12)
	b = append(b, " retired: "...)
	b = Figure(b, retired, retiredChange, show)
	return append(b, '\n')
}

// Record appends the line of one object's record, under its type's:
// "   obj#12       bundle:"10.0.0.7:5432"".
func Record(b []byte, serial uint64, bundle any) []byte {
	b = append(b, "   obj#"...)
	start := len(b)
	b = Pad(strconv.AppendUint(b, serial, 10), start+8)
	b = append(b, " bundle:"...)
	b = AppendBundle(b, bundle)
	return append(b, '\n')
}

// Growing appends the line of a growing type: its rise over the steps of
// the window, and in how many steps it rose.
func Growing(b []byte, name string, rise int64, steps, rises int) []byte {
	return fmt.Appendf(b, "growing: %-31s +%d over the last %d samples, rising in %d of them\n", name, rise, steps, rises)
}

// Pad appends spaces until b is end bytes long; a field already as wide
// gets none.
func Pad(b []byte, end int) []byte {
	for len(b) < end {
		b = append(b, ' ')
	}
	return b
}

// Figure appends a count and, when show is true and the change is not
// zero, the change in parentheses: "20 (+3)", "17 (-3)", "20".
func Figure(b []byte, now, change int64, show bool) []byte {
	b = strconv.AppendInt(b, now, 10)
	if !show || change == 0 {
		return b
	}
	b = append(b, " ("...)
	if change > 0 {
		b = append(b, '+')
	}
	b = strconv.AppendInt(b, change, 10)
	return append(b, ')')
}
