// Package display holds how objtrack writes for people, in every text
// view (inventory dumps, signal dumps, the inspect handler's text, leak
// reports, gomega failure messages): a data bundle on one line, counts in
// columns, and the limits on how much a report lists.
//
// A bundle is user data and may hold anything, a newline included. Text
// views are read line by line (by people and by grep), so a bundle is
// always rendered on one line: strings are quoted, and any other value
// whose %+v text holds a control or non-printable character is quoted as
// a whole, so that no bundle can end a line and forge the next one.
package display

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxBundleBytes bounds the text of one bundle in every view: a bundle is the
// program's data, and one large value must not make every dump, report
// or response large. Longer text is cut, with a note of how much.
const MaxBundleBytes = 1 << 10

// Bundle returns the one-line text of a bundle: <nil>, a quoted string
// (a fmt.Stringer's String quoted), or the %+v text of any other value,
// quoted when it holds a character that is not printable.
func Bundle(v any) string {
	return string(AppendBundle(nil, v))
}

// AppendBundle appends Bundle(v) to b, without allocating for the common kinds
// of bundle (nil, strings and integers), cut to MaxBundleBytes.
func AppendBundle(b []byte, v any) []byte {
	start := len(b)
	b = appendWhole(b, v)
	return cut(b, start)
}

// cut cuts what was appended to b after start to MaxBundleBytes, at a rune
// boundary, with a note of what was cut.
func cut(b []byte, start int) []byte {
	if len(b)-start <= MaxBundleBytes {
		return b
	}
	end := start + MaxBundleBytes
	for end > start && !utf8.RuneStart(b[end]) {
		end--
	}
	return fmt.Appendf(b[:end], "... (%d bytes more)", len(b)-end)
}

func appendWhole(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "<nil>"...)
	case string:
		return strconv.AppendQuote(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case fmt.Stringer:
		return strconv.AppendQuote(b, safeString(v))
	}
	text := safeSprint(v)
	if printable(text) {
		return append(b, text...)
	}
	return strconv.AppendQuote(b, text)
}

// BundleText returns a bundle's text, unquoted, for a format that escapes it
// itself (a report that quotes it, JSON): a string as it is, a
// fmt.Stringer's String (a panic in it rendered, not propagated), any
// other value as %+v prints it.
// Like AppendBundle's, the text is cut to MaxBundleBytes.
func BundleText(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case fmt.Stringer:
		s = safeString(v)
	default:
		s = safeSprint(v)
	}
	if len(s) <= MaxBundleBytes {
		return s
	}
	return string(cut([]byte(s), 0))
}

// printable reports whether s is valid UTF-8 made of printable runes and
// plain spaces only: text that cannot break or disguise a line.
func printable(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if r != ' ' && !strconv.IsPrint(r) {
			return false
		}
		i += size
	}
	return true
}

// safeString calls a bundle's String method; a method that panics (a nil
// pointer receiver, say) is rendered as the panic, not propagated into the
// dump that asked for it.
func safeString(s fmt.Stringer) (text string) {
	defer func() {
		if r := recover(); r != nil {
			text = fmt.Sprintf("<String panicked: %v>", r)
		}
	}()
	return s.String()
}

// safeSprint is %+v; fmt already turns a panicking String or Error method
// inside v into a "%!v(PANIC=...)" note.
func safeSprint(v any) string {
	return fmt.Sprintf("%+v", v)
}
