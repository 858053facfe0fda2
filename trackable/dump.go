package trackable

import (
	"bytes"
	"io"
	"sync"

	"github.com/objtrack/objtrack/internal/display"
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
	buf := dumpBuffers.Get().(*bytes.Buffer)
	defer dumpBuffers.Put(buf)
	buf.Reset()
	inv.mu.Lock()
	s := inv.Snapshot()
	s.WriteText(buf, inv.lastDump)
	inv.lastDump = &s
	inv.mu.Unlock()
	_, err := w.Write(buf.Bytes())
	return err
}

// dumpBuffers keeps dumps from allocating a buffer each time: a service
// may dump often, and its garbage would slow the code it observes.
var dumpBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
	b := make([]byte, 0, 128*len(s.Types))
	for _, tc := range s.Types {
		old := before[tc.Name]
		b = display.Counts(b, tc.Name, "allocated", tc.Live, tc.Live-old.Live, tc.Retired, tc.Retired-old.Retired, prev != nil)
		for _, o := range tc.Objects {
			b = display.Record(b, o.Serial, o.Bundle)
		}
	}
	for _, g := range s.Growing {
		b = display.Growing(b, g.Name, g.Rise, g.Steps, g.Rises)
	}
	_, err := w.Write(b)
	return err
}
