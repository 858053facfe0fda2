package ancestry

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"testing"
)

// The linkname and the layout that setOf relies on: if a Go release
// changes either, this test fails and says so.
func TestTheRuntimeStillSupportsLabelAncestry(t *testing.T) {
	if !Supported {
		t.Skip("built with objtrack_nolinkname")
	}
	done := make(chan struct{})
	go func() { // a goroutine of its own, so that the test's labels stay as they were
		defer close(done)
		if Current() != nil {
			t.Errorf("a new goroutine of an unlabelled one has labels")
		}
		pprof.Do(context.Background(), pprof.Labels("user", "kept"), func(context.Context) {
			marked, previous := Mark("42")
			if previous == nil || marked == nil || marked == previous {
				t.Errorf("Mark: marked %p, previous %p", marked, previous)
				return
			}
			if v, ok := Value(marked); !ok || v != "42" {
				t.Errorf("Value(marked) = %q, %v; want 42 (the runtime's label layout changed?)", v, ok)
			}
			ctx := pprof.WithLabels(context.Background(), *setOf(marked))
			if v, _ := pprof.Label(ctx, "user"); v != "kept" {
				t.Errorf("Mark dropped the goroutine's own labels: user=%q", v)
			}
			// Descendants at any depth carry the set, unchanged.
			got := make(chan Labels)
			go func() { go func() { got <- Current() }() }()
			if l := <-got; l != marked {
				t.Errorf("a grandchild goroutine has labels %p, want %p", l, marked)
			}
			// The goroutine profile lists them.
			var buf bytes.Buffer
			if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
				t.Error(err)
			}
			if !strings.Contains(buf.String(), `"objtrack.check":"42"`) {
				t.Errorf("the goroutine profile does not show the label:\n%s", buf.String())
			}
			Restore(previous)
			if Current() != previous {
				t.Errorf("Restore did not restore")
			}
		})
	}()
	<-done
}

func TestValueOfNoLabels(t *testing.T) {
	if v, ok := Value(nil); ok || v != "" {
		t.Errorf("Value(nil) = %q, %v", v, ok)
	}
}
