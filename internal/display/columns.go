package display

// The text views of an inventory, pytracker's dump and what inspect
// serves, are laid out in one way: a type's name padded to a column,
// then each count with its change, as "live: 20 (+3)".

import "strconv"

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
