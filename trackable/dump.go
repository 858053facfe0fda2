package trackable

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Dump writes the inventory in pytracker's format: one line per type,
// sorted by name, with its live and retired counts, each followed by its
// change since the previous Dump when it changed; then, for types under
// object tracking, one line per live object with its serial and bundle;
// then, when the inventory samples its counts (StartSampling), the types
// that keep growing.
//
//	example.com/app.Conn                     allocated: 2 (+1)       retired: 5 (+1)
//	   obj#12       bundle:"10.0.0.7:5432"
//
// The first Dump shows no changes. Dump renders into memory and writes
// with no lock held: a slow writer delays nothing but itself, and never
// the notifications. Dump returns the write error, if any.
func (inv *Inventory) Dump(w io.Writer) error {
	inv.mu.Lock()
	s := inv.Snapshot()
	var buf bytes.Buffer
	s.WriteText(&buf, inv.lastDump)
	inv.lastDump = &s
	inv.mu.Unlock()
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteText writes the snapshot in pytracker's format (see
// [Inventory.Dump]), with the changes since prev when prev is not nil.
func (s Snapshot) WriteText(w io.Writer, prev *Snapshot) error {
	var before map[string]TypeCount
	if prev != nil {
		before = make(map[string]TypeCount, len(prev.Types))
		for _, tc := range prev.Types {
			before[tc.Name] = tc
		}
	}
	var b bytes.Buffer
	for _, tc := range s.Types {
		old := before[tc.Name]
		live := figure(tc.Live, old.Live, prev != nil)
		retired := figure(tc.Retired, old.Retired, prev != nil)
		line := fmt.Sprintf("%-40s allocated: %-12s retired: %s", tc.Name, live, retired)
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
		for _, o := range tc.Objects {
			fmt.Fprintf(&b, "   obj#%-8d bundle:%s\n", o.Serial, FormatBundle(o.Bundle))
		}
	}
	for _, g := range s.Growing {
		fmt.Fprintf(&b, "growing: %-31s live: %d, +%d over the last %d samples, rising in %d of them\n",
			g.Type, g.Live, g.Rise, g.Steps, g.Rises)
	}
	_, err := w.Write(b.Bytes())
	return err
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
