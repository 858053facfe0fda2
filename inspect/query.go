package inspect

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The limits of a query. They bound the work and the answer of every
// request, whatever it asks: a query is read only when it is short, a
// type filter names few types with short names, and an error names the
// first fault only.
const (
	// maxQueryBytes is the longest query read. A since token grows
	// with the number of types shown, by 3 to 8 bytes for each: this
	// leaves room for thousands.
	maxQueryBytes = 32 << 10
	// maxTypeNames is how many type names type= may give, all
	// parameters and comma-separated parts together.
	maxTypeNames = 32
	// maxTypeNameBytes is the longest type name, generic type
	// arguments and import path included.
	maxTypeNameBytes = 256
	// maxRefresh bounds the page's refresh period, in seconds.
	maxRefresh     = 3600
	defaultRefresh = 5
)

// query is what a request asks for.
type query struct {
	format     string   // "text", "json" or "html"
	negotiated bool     // format chosen by the Accept header, not by format=
	types      []string // the type names of type=, in the order given
	objects    int      // records per type; 0 shows none
	since      string   // a token of an earlier view, or ""
	settle     bool     // gc=1
	refresh    int      // the page's refresh period in seconds; 0: never
}

// badRequest is a request refused, with the status and the message that
// says what to send instead.
type badRequest struct {
	status  int
	message string
}

func refuse(format string, args ...any) *badRequest {
	return &badRequest{http.StatusBadRequest, "inspect: " + fmt.Sprintf(format, args...)}
}

// parseQuery reads a request's query within the limits above, and
// refuses the first parameter that is wrong.
func parseQuery(r *http.Request) (query, *badRequest) {
	q := query{refresh: defaultRefresh}
	if n := len(r.URL.RawQuery); n > maxQueryBytes {
		return q, &badRequest{http.StatusRequestURITooLong, fmt.Sprintf("inspect: the query has %d bytes: send at most %d", n, maxQueryBytes)}
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, refuse("the query does not parse: %s", clip(err.Error()))
	}
	switch f := values.Get("format"); f {
	case "text", "json", "html":
		q.format = f
	case "":
		q.format, q.negotiated = "text", true
		if acceptsHTML(r.Header.Values("Accept")) {
			q.format = "html"
		}
	default:
		return q, refuse("unknown format %q: use format=text, format=json or format=html", clip(f))
	}
	debug, bad := switchOf(values, "debug", "use debug=0 or debug=1")
	if bad != nil {
		return q, bad
	}
	if debug {
		q.objects = defaultObjects
	}
	if n, set, bad := numberOf(values, "objects", 1, maxObjects, "give the number of records to show per type, from 1 to %d"); bad != nil {
		return q, bad
	} else if set {
		if !debug {
			return q, refuse("objects=%d sets how many object records debug=1 shows: add debug=1", n)
		}
		q.objects = n
	}
	for _, v := range values["type"] {
		for part := range strings.SplitSeq(v, ",") {
			name := strings.TrimSpace(part)
			if name == "" {
				continue
			}
			if len(name) > maxTypeNameBytes {
				return q, refuse("type=%q: a type name has at most %d bytes", clip(name), maxTypeNameBytes)
			}
			if len(q.types) == maxTypeNames {
				return q, refuse("type= names more than %d types: ask for fewer, or for all without type=", maxTypeNames)
			}
			q.types = append(q.types, name)
		}
	}
	q.since = values.Get("since")
	if q.settle, bad = switchOf(values, "gc", "use gc=1 to count after a garbage collection, or leave it out"); bad != nil {
		return q, bad
	}
	if n, set, bad := numberOf(values, "refresh", 0, maxRefresh, "give the page's refresh period in seconds, from 0 (never) to %d"); bad != nil {
		return q, bad
	} else if set {
		q.refresh = n
	}
	return q, nil
}

// switchOf reads a parameter that is off (left out, or 0) or on (1), and
// refuses any other value with hint.
func switchOf(values url.Values, name, hint string) (bool, *badRequest) {
	switch v := values.Get(name); v {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	default:
		return false, refuse("%s=%q: %s", name, clip(v), hint)
	}
}

// numberOf reads a parameter that is a whole number from lo to hi, if it
// is set, and refuses any other value with hint (a format of hi).
func numberOf(values url.Values, name string, lo, hi int, hint string) (n int, set bool, bad *badRequest) {
	s := values.Get(name)
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, false, refuse("%s=%q: "+hint, name, clip(s), hi)
	}
	return n, true, nil
}

// acceptsHTML reports whether an Accept header asks for text/html, as a
// browser's does; curl's "*/*" does not. It reads the first few media
// ranges only: a browser lists text/html first.
func acceptsHTML(accept []string) bool {
	const maxRanges = 16
	seen := 0
	for _, header := range accept {
		for part := range strings.SplitSeq(header, ",") {
			if seen++; seen > maxRanges {
				return false
			}
			mediaType, params, _ := strings.Cut(part, ";")
			if !strings.EqualFold(strings.TrimSpace(mediaType), "text/html") {
				continue
			}
			refused := false
			for param := range strings.SplitSeq(params, ";") {
				if k, v, _ := strings.Cut(param, "="); strings.TrimSpace(k) == "q" {
					q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
					refused = err == nil && q == 0
				}
			}
			if !refused {
				return true
			}
		}
	}
	return false
}

// clip shortens what a message quotes of the request, so that an error
// is short whatever was sent.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
