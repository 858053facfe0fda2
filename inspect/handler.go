package inspect

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/objtrack/objtrack/trackable"
)

// settleBudget bounds the wait of gc=1 for the garbage collector to
// settle. Settling never depends on it: it only turns a cleanup that
// blocks forever into an error instead of a request that never ends.
const settleBudget = 5 * time.Second

// Handler serves an inventory, in the format asked for:
//
//	GET /                    text for curl, the HTML page for a browser (by its Accept header)
//	GET /?format=text        a line per type (live and retired), then the growing types
//	GET /?format=json        the same as JSON, with each type's samples
//	GET /?format=html        a page: a table of the types with their trends, growing types first,
//	                         a filter box, links to the object records, refreshed every few seconds
//
// Every format takes these parameters:
//
//	type=Conn,db.Session     only these types ("Conn", "db.Conn" or the full name; at most 32)
//	debug=1                  with the records (serial and bundle) of the types under object
//	                         tracking: the first 20 per type, then a "... n more" line
//	objects=100              with debug=1, up to this many records per type (at most 1000)
//	since=TOKEN              each count with its change since the view that returned TOKEN
//	gc=1                     count after settling the garbage collector (see below)
//	refresh=N                the page refreshes every N seconds (5; 0: never)
//
// Bundles are shown with debug=1 only. Every text view renders each
// bundle on one line: a bundle cannot forge a line of its own.
//
// Changes are relative to a baseline that the client names: each text,
// JSON and HTML view ends with, or holds, the token of its own counts
// ("since" in JSON), and a request with since=TOKEN shows the changes
// from them. The token carries the counts itself, signed with a key
// drawn for this handler: the handler keeps nothing per client, clients
// never share or reset each other's baseline, and a token that this
// handler did not issue is refused (the page starts afresh instead).
//
// gc=1 runs trackable.Settle before counting, so that counts leave out
// the garbage not yet collected. It costs two full garbage collections
// or more (requests that arrive together share them) and waits for the
// cleanups they queue, at most 5 seconds: past that, the answer is 503
// Service Unavailable, as a cleanup is blocked. Without gc=1, the counts
// are what they are now, garbage included. The page's trends and the
// growing lines come from the inventory's samples (see
// trackable.Inventory.StartSampling), which count the garbage made since
// the collection before each: they are shown as trends (a rise over so
// many samples, a line), never as a second live count that would differ
// from the type's own.
//
// A request does bounded work whatever it asks: a query over 32 KiB is
// refused with 414, and a wrong parameter with 400 Bad Request and a
// message that names the first fault and what to send instead. Every
// answer carries X-Content-Type-Options: nosniff; the page allows no
// script or style but its own (Content-Security-Policy). Only GET and
// HEAD are served. Handler panics if inv is nil.
func Handler(inv *trackable.Inventory) http.Handler {
	if inv == nil {
		panic("inspect: Handler(nil): pass the *trackable.Inventory to show")
	}
	return &handler{inv: inv, tokens: newSinceTokens()}
}

type handler struct {
	inv    *trackable.Inventory
	tokens *sinceTokens
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	header := w.Header()
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		header.Set("Allow", "GET, HEAD")
		http.Error(w, "inspect: use GET", http.StatusMethodNotAllowed)
		return
	}
	q, bad := parseQuery(r)
	if q.negotiated {
		header.Set("Vary", "Accept")
	}
	if bad != nil {
		http.Error(w, bad.message, bad.status)
		return
	}
	var base *baseline
	var notes []string
	if q.since != "" {
		var err error
		if base, err = h.tokens.read(q.since); err != nil {
			if q.format != "html" {
				http.Error(w, "inspect: since=...: "+err.Error()+": tokens hold for the process that issued them; ask without since=, or with the since of a recent answer", http.StatusBadRequest)
				return
			}
			// The page's baseline came from another process (the service
			// restarted): start afresh rather than show an error page.
			notes = append(notes, "The previous view came from an earlier run of the service: changes are shown from this view on.")
		}
	}
	snap := h.inv.Snapshot()
	keep, bad := selectTypes(snap.Types, q.types)
	if bad == nil && q.settle {
		// Types are checked first, so that a wrong name costs no
		// collection; once settled, they are looked up again in the new
		// snapshot, where a type may have appeared.
		if err := trackable.Settle(settleBudget); err != nil {
			http.Error(w, "inspect: gc=1: "+err.Error()+"; ask without gc=1 for the counts as they are", http.StatusServiceUnavailable)
			return
		}
		snap = h.inv.Snapshot()
		keep, bad = selectTypes(snap.Types, q.types)
	}
	if bad != nil {
		http.Error(w, bad.message, bad.status)
		return
	}
	v := newView(snap, keep, q.objects, base)
	since := h.tokens.issue(v)

	var body bytes.Buffer
	switch q.format {
	case "json":
		header.Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(&body)
		enc.SetIndent("", "  ")
		// A view holds nothing that encoding/json refuses: bundles are
		// encoded, or made text, one by one beforehand.
		_ = enc.Encode(newJSONView(v.withSamples(h.inv), since))
	case "html":
		header.Set("Content-Type", "text/html; charset=utf-8")
		header.Set("Content-Security-Policy", pageSecurityPolicy)
		if err := writePage(&body, v.withSamples(h.inv), q, since, notes); err != nil {
			http.Error(w, "inspect: "+err.Error(), http.StatusInternalServerError)
			return
		}
	default:
		header.Set("Content-Type", "text/plain; charset=utf-8")
		b := appendText(body.AvailableBuffer(), v)
		b = append(b, "since="...)
		b = append(b, since...)
		b = append(b, "  (add it to the query for the changes from this view)\n"...)
		body.Write(b)
	}
	// Written with no lock held: a stuck client holds nothing.
	_, _ = w.Write(body.Bytes())
}
