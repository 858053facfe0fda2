package trackable

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Dump writes the inventory in pytracker's format: one line per type,
// sorted by name, with its live and retired counts, each followed by its
// change since the previous Dump when it changed; then, for types under
// object tracking, one line per live object with its serial and bundle.
//
//	example.com/app.Conn                     allocated: 2 (+1)       retired: 5 (+1)
//	   obj#12       bundle:"10.0.0.7:5432"
//
// The first Dump shows no changes. Dumps are serialized with each other
// but never block notifications. Dump returns the first write error.
func (inv *Inventory) Dump(w io.Writer) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	s := inv.Snapshot()
	bw := bufio.NewWriter(w)
	for _, tc := range s.Types {
		te := inv.entry(tc.Type)
		live := figure(tc.Live, te.dumpedLive, inv.dumped)
		retired := figure(tc.Retired, te.dumpedRetired, inv.dumped)
		te.dumpedLive, te.dumpedRetired = tc.Live, tc.Retired
		line := fmt.Sprintf("%-40s allocated: %-12s retired: %s", tc.Name, live, retired)
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
		for _, o := range tc.Objects {
			fmt.Fprintf(bw, "   obj#%-8d bundle:%s\n", o.Serial, FormatBundle(o.Bundle))
		}
	}
	inv.dumped = true
	return bw.Flush()
}

// figure formats a count with its change since the previous dump.
func figure(now, before int64, showChange bool) string {
	s := strconv.FormatInt(now, 10)
	if !showChange || now == before {
		return s
	}
	return fmt.Sprintf("%s (%+d)", s, now-before)
}

// FormatBundle formats a bundle for people: strings quoted, other values
// with their field names, nil as <nil>.
func FormatBundle(b any) string {
	switch v := b.(type) {
	case nil:
		return "<nil>"
	case string:
		return strconv.Quote(v)
	case fmt.Stringer:
		return strconv.Quote(v.String())
	default:
		return fmt.Sprintf("%+v", v)
	}
}
