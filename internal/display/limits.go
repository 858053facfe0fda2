package display

// The limits that every report of objtrack shares, so that a failure
// message, a dump and a verdict show alike.
const (
	// Objects is how many objects (serials, bundles) a report lists for a
	// type or a creation site before "and N more", and how many ids it
	// lists for goroutines that share a stack.
	Objects = 5
	// Frames is how many frames of a creation site, or of a goroutine's
	// stack, a text report shows (FrameCut adds one more when the code
	// under test lies beyond them); data (JSON) keeps them all.
	Frames = 6
	// Stacks is how many entries of leaked goroutines (the goroutines of
	// one stack each, the largest first) a text report lists before
	// "and N more goroutines on M other stacks"; data (JSON) keeps them
	// all. With Frames and Objects it bounds the text whatever the number
	// of goroutines.
	Stacks = 10
)

// FrameCut says which of the n frames of a call path, innermost first, a
// text report shows: the first head of them, and kept, the first frame
// for which own is true if it lies beyond them (-1 if none does), so that
// the line of the code under test is never lost in "... n more frames"
// when its object was made deep inside a library.
func FrameCut(n int, own func(i int) bool) (head, kept int) {
	if n <= Frames {
		return n, -1
	}
	for i := range n {
		if own(i) {
			if i < Frames {
				return Frames, -1
			}
			return Frames, i
		}
	}
	return Frames, -1
}
