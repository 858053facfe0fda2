package inspect

import (
	"log/slog"
	"strconv"
)

// LogValue makes a view log as a group per type with its live and
// retired counts and, when records are shown, a group "records" of
// "obj#serial" = bundle text, with more_objects for those held back;
// then a group "growing" with each growing type's rise, rises and steps.
// Bundles are logged as their one-line text, whatever the handler does
// with a value: a log line cannot be forged by a bundle.
func (v view) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(v.types)+1)
	for _, tv := range v.types {
		group := []slog.Attr{slog.Int64("live", tv.Live), slog.Int64("retired", tv.Retired)}
		if len(tv.Objects) > 0 {
			records := make([]slog.Attr, len(tv.Objects))
			for i, o := range tv.Objects {
				records[i] = slog.String("obj#"+strconv.FormatUint(o.Serial, 10), string(appendBundle(nil, o.Bundle)))
			}
			group = append(group, slog.Attr{Key: "records", Value: slog.GroupValue(records...)})
		}
		if tv.moreObjects > 0 {
			group = append(group, slog.Int("more_objects", tv.moreObjects))
		}
		attrs = append(attrs, slog.Attr{Key: tv.Name, Value: slog.GroupValue(group...)})
	}
	if len(v.growing) > 0 {
		growing := make([]slog.Attr, len(v.growing))
		for i, g := range v.growing {
			growing[i] = slog.Group(g.Name, "rise", g.Rise, "rises", g.Rises, "steps", g.Steps)
		}
		attrs = append(attrs, slog.Attr{Key: "growing", Value: slog.GroupValue(growing...)})
	}
	return slog.GroupValue(attrs...)
}
