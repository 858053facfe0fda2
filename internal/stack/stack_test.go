package stack

import (
	"strings"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/tabletest"
)

//go:noinline
func recordHere(t *Table) ID { return helper(t) }

//go:noinline
func recordSkipping(t *Table) ID { return t.Record(1) }

func TestRecordSkips(t *testing.T) {
	var tab Table
	frames := tab.Frames(recordSkipping(&tab))
	if !strings.HasSuffix(frames[0].Function, "stack.TestRecordSkips") {
		t.Errorf("first frame = %s, want the test", frames[0].Function)
	}
}

//go:noinline
func helper(t *Table) ID { return t.Record(0) }

func TestRecordFindsTheCallers(t *testing.T) {
	var tab Table
	id := recordHere(&tab)
	frames := tab.Frames(id)
	if len(frames) < 2 {
		t.Fatalf("frames = %v", frames)
	}
	// Record(0) starts at its caller: helper, then recordHere.
	want := []string{"stack.helper", "stack.recordHere", "stack.TestRecordFindsTheCallers"}
	for i, w := range want {
		if !strings.HasSuffix(frames[i].Function, w) {
			t.Errorf("frame %d = %s, want %s", i, frames[i].Function, w)
		}
	}
	if got := frames[1].Short(); !strings.HasPrefix(got, "stack.recordHere (stack/stack_test.go:") {
		t.Errorf("Short() = %q", got)
	}
}

func TestRecordInternsCallPaths(t *testing.T) {
	var tab Table
	ids := map[ID]bool{}
	for range 3 {
		ids[recordHere(&tab)] = true
	}
	if len(ids) != 1 {
		t.Fatalf("one call path, %d ids", len(ids))
	}
	if other := helper(&tab); ids[other] {
		t.Fatal("another call path must get another id")
	}
}

// pathA and pathB record k levels deep, taking the call path that bits
// spell: 1<<k distinct paths, told apart by where step returns to.
//
//go:noinline
func pathA(t *Table, bits, k int) ID { return step(t, bits, k) }

//go:noinline
func pathB(t *Table, bits, k int) ID { return step(t, bits, k) }

//go:noinline
func step(t *Table, bits, k int) ID {
	switch {
	case k == 0:
		return t.Record(0)
	case bits&1 == 0:
		return pathA(t, bits>>1, k-1)
	default:
		return pathB(t, bits>>1, k-1)
	}
}

// More paths than the table caches share its slots: each must keep its
// own ID, however the slots are reused.
func TestRecordKeepsPathsApartInTheCache(t *testing.T) {
	var tab Table
	const depth = 10
	const paths = 1 << depth
	// Every path in three orders, recorded from one call site (the
	// caller's frames are part of the path).
	var order []int
	for i := range paths {
		order = append(order, i)
	}
	for i := range paths {
		order = append(order, paths-1-i)
	}
	for i := range paths {
		order = append(order, i*7%paths)
	}
	ids := map[int]ID{}
	seen := map[ID]bool{}
	for _, bits := range order {
		id := pathA(&tab, bits, depth)
		if first, ok := ids[bits]; ok && id != first {
			t.Fatalf("path %b: id %d, first %d", bits, id, first)
		}
		ids[bits] = id
		seen[id] = true
	}
	if len(seen) != paths {
		t.Fatalf("%d call paths, %d ids", paths, len(seen))
	}
}

func TestFramesHidesPrefixes(t *testing.T) {
	var tab Table
	id := recordHere(&tab)
	for _, f := range tab.Frames(id, "github.com/objtrack/objtrack/internal/stack.recordHere") {
		if strings.HasSuffix(f.Function, "recordHere") {
			t.Fatal("hidden frame shown")
		}
	}
	if tab.Frames(0) != nil {
		t.Fatal("ID 0 has no frames")
	}
}

func TestShortNames(t *testing.T) {
	tabletest.Func(t, "ShortName", ShortName, map[string]string{
		"example.com/db.(*Conn).Close":         "db.(*Conn).Close",
		"example.com/db.Conn":                  "db.Conn",
		"example.com/db.Pool[example.com/x.T]": "db.Pool[example.com/x.T]",
		"example.com/db.F[...]":                "db.F[...]",
		"main.main":                            "main.main",
	})
	if got := ShortFile("/home/u/src/db/conn.go"); got != "db/conn.go" {
		t.Error(got)
	}
	if got := itoa(-42); got != "-42" {
		t.Error(got)
	}
}

func BenchmarkRecord(b *testing.B) {
	var tab Table
	for b.Loop() {
		recordHere(&tab)
	}
}
