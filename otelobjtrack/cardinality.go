package otelobjtrack

import (
	"cmp"
	"slices"

	"go.opentelemetry.io/otel/metric"

	"github.com/objtrack/objtrack/trackable"
)

// otherType is the objtrack.type of the series that sums the types beyond
// the cap. No type can be named so: a named type's name has a dot in it.
const otherType = "other"

// rank splits a snapshot's types into those reported by name, the
// maxTypes with the most live objects, and the rest, as indexes into
// types. Ties go to the type that sorts first by name, which is the
// snapshot's order, so that the split of equal counts is the same at every
// collection. rest is nil when every type fits.
func (c *collector) rank(types []trackable.TypeCount) (top, rest []int) {
	c.ranked = c.ranked[:0]
	for i := range types {
		c.ranked = append(c.ranked, i)
	}
	if len(types) <= c.maxTypes {
		return c.ranked, nil
	}
	slices.SortFunc(c.ranked, func(a, b int) int {
		if c := cmp.Compare(types[b].Live, types[a].Live); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return c.ranked[:c.maxTypes], c.ranked[c.maxTypes:]
}

// otherSeries is the series of the types beyond the cap.
//
// Its live count is a sum taken afresh at each collection over the types
// it holds then. Its retired count cannot be: it is a counter, which must
// never go down, and the sum would drop each time a type left "other" for
// a series of its own, which Prometheus reads as a counter reset, and
// counts the whole remaining sum again as new retirements. So it is
// accumulated instead: it starts, when "other" first appears, at the sum
// of the retired counts of the types it holds, and at each collection it
// grows by the objects that the types in it then retired since the
// previous collection. It never goes down, and its rate is the rate at
// which the small types retire objects.
//
// The price is paid when a type comes back into the top: its own series
// always reports the inventory's exact count, including the retirements
// that "other" counted while the type was in it, so the retired counts
// summed over all series can count those twice.
type otherSeries struct {
	attrs   []metric.ObserveOption
	started bool  // reported at least once
	retired int64 // the accumulated counter
}

// add counts the retirements of a type in "other" since the previous
// collection.
func (o *otherSeries) add(s *series, retired int64) {
	if d := retired - s.lastRetired; d > 0 {
		o.retired += d
	}
	s.lastRetired = retired
}
