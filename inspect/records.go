package inspect

import (
	"encoding/json"

	"github.com/objtrack/objtrack/internal/display"
	"github.com/objtrack/objtrack/trackable"
)

// maxBundleBytes bounds the text of one bundle in every view (see
// package internal/display), and its JSON.
const maxBundleBytes = display.MaxBundleBytes

// limitRecords keeps the first max records (by serial: the oldest
// objects, the likeliest leaks) and counts the others; max 0 keeps none
// and counts none, as records were not asked for.
func limitRecords(rs []trackable.ObjectRecord, max int) (shown []trackable.ObjectRecord, more int) {
	if max <= 0 {
		return nil, 0
	}
	if len(rs) <= max {
		return rs, 0
	}
	return rs[:max:max], len(rs) - max
}

// appendBundle appends a bundle's one-line text (see package
// internal/display), cut to maxBundleBytes with a note of what was cut.
func appendBundle(b []byte, v any) []byte { return display.AppendBundle(b, v) }

// jsonBundle returns a bundle as JSON: the value itself when
// encoding/json can encode it within maxBundleBytes, its one-line text as
// a JSON string otherwise (a channel, a func, a value too large or whose
// MarshalJSON fails or panics). nil stays nil, and is left out.
func jsonBundle(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	if data, ok := marshalSafely(v); ok && len(data) <= maxBundleBytes {
		return data
	}
	data, _ := json.Marshal(string(appendBundle(nil, v)))
	return data
}

func marshalSafely(v any) (data []byte, ok bool) {
	defer func() {
		if recover() != nil {
			data, ok = nil, false
		}
	}()
	data, err := json.Marshal(v)
	return data, err == nil
}
