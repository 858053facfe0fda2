package inspect

import (
	"encoding/json"

	"github.com/objtrack/objtrack/trackable"
)

// jsonView is the JSON of a view. It reads as a trackable.Snapshot (the
// same "types" and "growing"), with more fields beside.
type jsonView struct {
	Types   []jsonType         `json:"types"`
	Growing []trackable.Growth `json:"growing,omitempty"`
	// Since names this view as the baseline of a later one: pass it as
	// ?since= to see the changes from it (the handler only).
	Since string `json:"since,omitempty"`
}

type jsonType struct {
	Name    string `json:"type"`
	Live    int64  `json:"live"`
	Retired int64  `json:"retired"`
	// The changes since the baseline that ?since= named; absent without
	// one, or when the baseline did not show the type.
	LiveChange    *int64 `json:"live_change,omitempty"`
	RetiredChange *int64 `json:"retired_change,omitempty"`

	ObjectTracking bool         `json:"object_tracking,omitempty"`
	Objects        []jsonRecord `json:"objects,omitempty"`
	MoreObjects    int          `json:"more_objects,omitempty"` // records held back by the limit
	// Samples are the live counts that the inventory's sampling kept,
	// oldest first (garbage not yet collected included).
	Samples []int64 `json:"samples,omitempty"`
}

type jsonRecord struct {
	Serial uint64          `json:"serial"`
	Bundle json.RawMessage `json:"bundle,omitempty"`
}

// newJSONView converts a view; since is its token, if it has one.
func newJSONView(v view, since string) jsonView {
	out := jsonView{Types: make([]jsonType, len(v.types)), Growing: v.growing, Since: since}
	for i, tv := range v.types {
		jt := jsonType{
			Name: tv.Name, Live: tv.Live, Retired: tv.Retired,
			ObjectTracking: tv.ObjectTracking, MoreObjects: tv.moreObjects, Samples: tv.samples,
		}
		if tv.changed {
			jt.LiveChange, jt.RetiredChange = &tv.liveChange, &tv.retiredChange
		}
		for _, o := range tv.Objects {
			jt.Objects = append(jt.Objects, jsonRecord{Serial: o.Serial, Bundle: jsonBundle(o.Bundle)})
		}
		out.Types[i] = jt
	}
	return out
}
