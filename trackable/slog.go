package trackable

import "log/slog"

// LogValue makes a snapshot log as a group per type with its live and
// retired counts, and a group of the growing types.
func (s Snapshot) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(s.Types)+1)
	for _, tc := range s.Types {
		attrs = append(attrs, slog.Group(tc.Name, "live", tc.Live, "retired", tc.Retired))
	}
	if len(s.Growing) > 0 {
		growing := make([]any, 0, len(s.Growing))
		for _, g := range s.Growing {
			growing = append(growing, slog.Group(g.Name, "last_sample", g.LastSample, "rise", g.Rise, "rises", g.Rises, "steps", g.Steps))
		}
		attrs = append(attrs, slog.Group("growing", growing...))
	}
	return slog.GroupValue(attrs...)
}

// LogValue makes an inventory log as its current snapshot:
//
//	logger.Info("inventory", "objects", inv)
func (inv *Inventory) LogValue() slog.Value {
	return inv.Snapshot().LogValue()
}
