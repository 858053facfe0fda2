package inspect

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strconv"

	"github.com/objtrack/objtrack/internal/typename"
)

// The page is one file with its style and script inline, so that it
// works on a host with no way out: nothing is loaded from anywhere else.
var (
	//go:embed page/page.html
	pageHTML string
	//go:embed page/page.css
	pageCSS string
	//go:embed page/page.js
	pageJS string

	pageTemplate = template.Must(template.New("page").Parse(pageHTML))

	// pageSecurityPolicy lets the page run its own inline style and
	// script, recognized by their hashes, and fetch from its own origin,
	// and nothing else: a bundle or a type name that slipped past the
	// template's escaping still could not run a script.
	pageSecurityPolicy = "default-src 'none'; " +
		"script-src 'sha256-" + sha256Base64(pageJS) + "'; " +
		"style-src 'sha256-" + sha256Base64(pageCSS) + "'; " +
		"connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

func sha256Base64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// pageData is what the template shows.
type pageData struct {
	Summary string
	Notes   []string
	Rows    []pageRow
	Records []pageRecords
	Since   string // the token of this view: the next refresh's baseline
	Refresh int    // seconds; 0: never
	Style   template.CSS
	Script  template.JS
}

// pageRow is a type's row in the table.
type pageRow struct {
	Name          string
	Live, Retired int64
	// Change is the live count's change since the previous refresh ("+3",
	// "-2", "0"), empty on the first view; ChangeClass colors it.
	Change, ChangeClass string
	Growth              string // how it grows, empty unless it keeps growing
	Spark               *sparkline
	RecordsURL          string // the type's records, if it has object tracking
}

// pageRecords lists a type's object records, under the table.
type pageRecords struct {
	Name         string
	Shown, Total int
	Records      []pageRecord
	More         int
	MoreURL      string
	MoreLimit    int
}

type pageRecord struct {
	Serial uint64
	Bundle string
}

// writePage renders the page of a view (with its samples) whose token is
// since; notes are shown above the table.
func writePage(w io.Writer, v view, q query, since string, notes []string) error {
	d := pageData{Notes: notes, Since: since, Refresh: q.refresh, Style: template.CSS(pageCSS), Script: template.JS(pageJS)}
	var live int64
	for _, tv := range v.types {
		live += tv.Live
	}
	d.Summary = fmt.Sprintf("%s, %s", plural(len(v.types), "type"), plural64(live, "live object"))
	if len(v.growing) > 0 {
		d.Summary += fmt.Sprintf(", %d growing", len(v.growing))
	}
	// Growing types first, the largest rise first, then the others by
	// name: the rows to look at are on top.
	d.Rows = make([]pageRow, 0, len(v.types))
	for _, g := range v.growing {
		for _, tv := range v.types {
			if tv.growth != nil && tv.growth.Type == g.Type {
				d.Rows = append(d.Rows, newPageRow(tv, q))
			}
		}
	}
	for _, tv := range v.types {
		if tv.growth == nil {
			d.Rows = append(d.Rows, newPageRow(tv, q))
		}
	}
	anySamples := false
	for _, tv := range v.types {
		anySamples = anySamples || len(tv.samples) > 0
		if q.objects > 0 && tv.ObjectTracking {
			d.Records = append(d.Records, newPageRecords(tv, q))
		}
	}
	if !anySamples && len(v.types) > 0 {
		d.Notes = append(d.Notes, "No samples yet: trends and growing types appear once the inventory samples its counts (Inventory.StartSampling) after a garbage collection.")
	}
	return pageTemplate.Execute(w, d)
}

func newPageRow(tv typeView, q query) pageRow {
	r := pageRow{Name: tv.Name, Live: tv.Live, Retired: tv.Retired, Spark: newSparkline(tv.samples)}
	if tv.changed {
		switch c := tv.liveChange; {
		case c > 0:
			r.Change, r.ChangeClass = "+"+strconv.FormatInt(c, 10), "up"
		case c < 0:
			r.Change, r.ChangeClass = strconv.FormatInt(c, 10), "down"
		default:
			r.Change, r.ChangeClass = "0", "same"
		}
	}
	if g := tv.growth; g != nil {
		r.Growth = fmt.Sprintf("+%d over the last %d samples, rising in %d of them", g.Rise, g.Steps, g.Rises)
	}
	if tv.ObjectTracking {
		r.RecordsURL = pageURL(tv, q, defaultObjects)
	}
	return r
}

func newPageRecords(tv typeView, q query) pageRecords {
	r := pageRecords{Name: tv.Name, Shown: len(tv.Objects), Total: len(tv.Objects) + tv.moreObjects, More: tv.moreObjects}
	for _, o := range tv.Objects {
		r.Records = append(r.Records, pageRecord{Serial: o.Serial, Bundle: string(appendBundle(nil, o.Bundle))})
	}
	if r.More > 0 {
		r.MoreLimit = min(r.Total, maxObjects)
		r.MoreURL = pageURL(tv, q, r.MoreLimit)
	}
	return r
}

// pageURL links to the page of one type with its records.
func pageURL(tv typeView, q query, objects int) string {
	v := url.Values{"type": {typename.Full(tv.Type)}, "debug": {"1"}}
	if objects != defaultObjects {
		v.Set("objects", strconv.Itoa(objects))
	}
	if q.refresh != defaultRefresh {
		v.Set("refresh", strconv.Itoa(q.refresh))
	}
	if !q.negotiated {
		v.Set("format", "html")
	}
	return "?" + v.Encode()
}

func plural(n int, noun string) string { return plural64(int64(n), noun) }

func plural64(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}
