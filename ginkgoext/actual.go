package ginkgoext

import (
	"fmt"

	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/trackable"
)

// snapshotOf turns what a matcher was given into a snapshot, settling the
// garbage collector first when it was given a live inventory.
func snapshotOf(matcher string, actual any) (trackable.Snapshot, error) {
	switch a := actual.(type) {
	case *trackable.Inventory:
		if a == nil {
			break
		}
		if err := settle.Settle(settle.Budget).Err(); err != nil {
			return trackable.Snapshot{}, fmt.Errorf("%s: %w", matcher, err)
		}
		return a.Snapshot(), nil
	case trackable.Snapshot:
		return a, nil
	case *trackable.Snapshot:
		if a != nil {
			return *a, nil
		}
	case func() *trackable.Inventory:
		return snapshotOf(matcher, a())
	case func() trackable.Snapshot:
		return a(), nil
	case func() *trackable.Snapshot:
		return snapshotOf(matcher, a())
	}
	return trackable.Snapshot{}, fmt.Errorf("%s expects a *trackable.Inventory, a trackable.Snapshot or a function returning one, got %T", matcher, actual)
}
