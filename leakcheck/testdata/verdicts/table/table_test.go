// Package table pins the verdicts of a table-driven test whose rows are
// checked parallel subtests that share one closure, under a parent that
// calls neither Check nor t.Parallel: the row that keeps an object fails,
// every time, and its siblings pass. The rows cannot be told apart by
// where an object was made (they run the same closure), but each is
// checked on its own, so the leak is that row's, not left to a
// VerifyTestMain that this package does not have.
package table

import (
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	Row string
}

func dial(row string) *Conn { return trackable.Track(&Conn{Row: row}) }

var kept fixture.Kept[*Conn]

type row struct {
	name string
	keep bool // keep the row's connection past the test
}

func runTable(t *testing.T, rows []row) {
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			leakcheck.Check(t)
			t.Parallel()
			for range 200 {
				dial(r.name)
			}
			c := dial(r.name)
			if r.keep {
				c.SetDataBundle("kept by row " + r.name)
				kept.Keep(c)
			}
		})
	}
}

func TestLeakTable(t *testing.T) {
	runTable(t, []row{
		{name: "clean_first"},
		{name: "clean_second"},
		{name: "leak_kept", keep: true},
		{name: "clean_last"},
	})
}

func TestCleanTable(t *testing.T) {
	runTable(t, []row{
		{name: "clean_first"},
		{name: "clean_second"},
		{name: "clean_third"},
		{name: "clean_last"},
	})
}
