// Package shown holds the limits that every report of objtrack shares, so
// that a failure message, a dump and a verdict show alike.
package shown

import "time"

const (
	// Objects is how many objects (serials, bundles) a report lists for a
	// type or a creation site before "and N more".
	Objects = 5
	// Frames is how many frames of a creation site a text report shows;
	// data (JSON) keeps them all.
	Frames = 6
	// Budget bounds the wait for the garbage collector to settle before a
	// verdict. Settling never depends on it: it only turns a cleanup that
	// blocks forever into an error instead of a hang.
	Budget = 30 * time.Second
)
