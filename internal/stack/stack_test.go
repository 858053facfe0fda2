package stack

import (
	"strings"
	"testing"
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
	if got := ShortFunction("example.com/db.(*Conn).Close"); got != "db.(*Conn).Close" {
		t.Error(got)
	}
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
