package trackable

import (
	"fmt"
	"io"
	"strings"

	"github.com/objtrack/objtrack/internal/display"
)

// SnapshotDiff is what changed between two snapshots of one inventory.
type SnapshotDiff struct {
	Types []TypeDiff `json:"types"` // the types that changed, by name
}

// TypeDiff is the change of one type between two snapshots.
type TypeDiff struct {
	Name          string   `json:"type"`          // as in the snapshot: TypeCount.Name
	New           bool     `json:"new,omitempty"` // absent from the earlier snapshot
	Live          int64    `json:"live"`
	LiveChange    int64    `json:"live_change"`
	Retired       int64    `json:"retired"`
	RetiredChange int64    `json:"retired_change"`
	Appeared      []uint64 `json:"appeared,omitempty"` // serials recorded now and not before
	Gone          []uint64 `json:"gone,omitempty"`     // serials recorded before and not now
}

// Diff returns what changed since prev: types that appeared, live counts
// that grew or shrank, objects that retired and, for types under object
// tracking, the serials that appeared and went.
func (s Snapshot) Diff(prev Snapshot) SnapshotDiff {
	before := make(map[string]TypeCount, len(prev.Types))
	for _, tc := range prev.Types {
		before[tc.Name] = tc
	}
	var d SnapshotDiff
	for _, tc := range s.Types {
		old, existed := before[tc.Name]
		td := TypeDiff{
			Name: tc.Name, New: !existed,
			Live: tc.Live, LiveChange: tc.Live - old.Live,
			Retired: tc.Retired, RetiredChange: tc.Retired - old.Retired,
		}
		td.Appeared, td.Gone = serialChanges(old.Objects, tc.Objects)
		if td.New || td.LiveChange != 0 || td.RetiredChange != 0 || len(td.Appeared)+len(td.Gone) > 0 {
			d.Types = append(d.Types, td)
		}
	}
	return d
}

// serialChanges compares two record lists sorted by serial.
func serialChanges(before, now []ObjectRecord) (appeared, gone []uint64) {
	i, j := 0, 0
	for i < len(before) || j < len(now) {
		switch {
		case j == len(now) || (i < len(before) && before[i].Serial < now[j].Serial):
			gone = append(gone, before[i].Serial)
			i++
		case i == len(before) || now[j].Serial < before[i].Serial:
			appeared = append(appeared, now[j].Serial)
			j++
		default:
			i++
			j++
		}
	}
	return appeared, gone
}

// WriteText writes the diff for a person, one line per changed type.
func (d SnapshotDiff) WriteText(w io.Writer) error {
	var b strings.Builder
	if len(d.Types) == 0 {
		b.WriteString("no change\n")
	}
	for _, t := range d.Types {
		// The figures read as in a dump: "live: 2 (+1)", the change left
		// out when there is none.
		fmt.Fprintf(&b, "%-40s live: %s  retired: %s", t.Name,
			display.Figure(nil, t.Live, t.LiveChange, true),
			display.Figure(nil, t.Retired, t.RetiredChange, true))
		if t.New {
			b.WriteString("  new type")
		}
		if len(t.Appeared) > 0 {
			fmt.Fprintf(&b, "  appeared: %s", serialList(t.Appeared))
		}
		if len(t.Gone) > 0 {
			fmt.Fprintf(&b, "  gone: %s", serialList(t.Gone))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func serialList(ss []uint64) string {
	parts := make([]string, 0, display.Objects)
	for i, s := range ss {
		if i == display.Objects {
			return strings.Join(parts, " ") + fmt.Sprintf(" and %d more", len(ss)-display.Objects)
		}
		parts = append(parts, fmt.Sprintf("#%d", s))
	}
	return strings.Join(parts, " ")
}
