package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/objtrack/objtrack/trackable"
)

// Handler serves an inventory:
//
//	GET /?format=text        pytracker's dump, with changes since the previous request (the default)
//	GET /?format=json        the snapshot as JSON, growing types included
//	GET /?type=Conn&type=... only these types ("Conn", "db.Conn" or the full name)
//	GET /?debug=1            with the record of each object under object tracking
//
// Bad input is answered with 400 Bad Request and a message that says what
// to send: an unknown format, a type that the inventory never counted or
// that is ambiguous, a debug level other than 0 or 1. Only GET and HEAD
// are served. Handler panics if inv is nil.
func Handler(inv *trackable.Inventory) http.Handler {
	if inv == nil {
		panic("inspect: Handler(nil): pass the *trackable.Inventory to show")
	}
	return &handler{inv: inv}
}

type handler struct {
	inv  *trackable.Inventory
	mu   sync.Mutex // guards prev
	prev *trackable.Snapshot
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "inspect: use GET", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "text"
	}
	if format != "text" && format != "json" {
		http.Error(w, fmt.Sprintf("inspect: unknown format %q: use format=text or format=json", format), http.StatusBadRequest)
		return
	}
	debug := q.Get("debug")
	if debug != "" && debug != "0" && debug != "1" {
		http.Error(w, fmt.Sprintf("inspect: unknown debug level %q: use debug=0 or debug=1", debug), http.StatusBadRequest)
		return
	}
	snap := h.inv.Snapshot()
	snap, err := filter(snap, q["type"], debug == "1")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var body bytes.Buffer
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(&body)
		enc.SetIndent("", "  ")
		if err := enc.Encode(snap); err != nil {
			http.Error(w, "inspect: "+err.Error(), http.StatusInternalServerError)
			return
		}
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		h.mu.Lock()
		prev := h.prev
		h.prev = &snap
		h.mu.Unlock()
		if err := snap.WriteText(&body, prev); err != nil {
			http.Error(w, "inspect: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	// Written with no lock held: a stuck client holds nothing.
	_, _ = w.Write(body.Bytes())
}

// filter keeps the named types (all if names is empty) and drops object
// records unless withObjects.
func filter(s trackable.Snapshot, names []string, withObjects bool) (trackable.Snapshot, error) {
	if len(names) > 0 {
		var kept []trackable.TypeCount
		var errs []error
		for _, n := range names {
			for _, part := range strings.Split(n, ",") {
				tc, err := s.Lookup(strings.TrimSpace(part))
				if err != nil {
					errs = append(errs, err)
					continue
				}
				kept = append(kept, tc)
			}
		}
		if len(errs) > 0 {
			return s, fmt.Errorf("inspect: %w", errors.Join(errs...))
		}
		s.Types = kept
		var growing []trackable.Growth
		for _, g := range s.Growing {
			for _, tc := range kept {
				if g.Type == tc.Type.String() {
					growing = append(growing, g)
				}
			}
		}
		s.Growing = growing
	}
	if !withObjects {
		types := make([]trackable.TypeCount, len(s.Types))
		for i, tc := range s.Types {
			tc.Objects = nil
			types[i] = tc
		}
		s.Types = types
	}
	return s, nil
}

// Path is where Register mounts the handler.
const Path = "/debug/objtrack/"

var registered sync.Once

// Register mounts Handler(inv) at /debug/objtrack/ on
// http.DefaultServeMux, as importing net/http/pprof does for its pages. It
// returns an error if called more than once.
func Register(inv *trackable.Inventory) error {
	h := Handler(inv)
	err := fmt.Errorf("inspect: Register: %s is registered already", Path)
	registered.Do(func() {
		http.Handle(Path, h)
		err = nil
	})
	return err
}
