package inspect_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/trackable"
)

// A browser's Accept header, as Chromium sends it for a page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

var mainElement = regexp.MustCompile(`(?s)<main.*</main>`)

// The page's table, as a second refresh shows it: growing types first
// and highlighted, a sparkline per type, the change since the previous
// view, links to the records of the types under object tracking.
func TestPage(t *testing.T) {
	inv, e := growingFixture(t)
	h := inspect.Handler(inv)
	first := get(t, h, inspect.Path, "Accept", browserAccept)
	require.Equal(t, http.StatusOK, first.Code)
	assert.Equal(t, "text/html; charset=utf-8", first.Header().Get("Content-Type"))
	assert.Equal(t, "Accept", first.Header().Get("Vary"))
	since := regexp.MustCompile(`data-since="([^"]+)"`).FindStringSubmatch(first.Body.String())
	require.Len(t, since, 2)

	e.attach(sessionType, 3, func(s uint64) any { return sessionBundle(s) })
	e.destroy(workerType, 6, 7)
	second := get(t, h, inspect.Path+"?format=html&since="+since[1]).Body.String()
	golden.Assert(t, "inspect/page.golden", normalizeTokens([]byte(mainElement.FindString(second))))

	rows := regexp.MustCompile(`<tr data-type="([^"]+)"( class="growing")?>`).FindAllStringSubmatch(second, -1)
	require.Len(t, rows, 5)
	assert.Equal(t, []string{"inspect_test.Session", ` class="growing"`}, rows[0][1:], "the growing type first, highlighted")
	for _, r := range rows[1:] {
		assert.Empty(t, r[2], "only growing types are highlighted")
	}
	assert.Equal(t, 5, strings.Count(second, `<svg class="spark"`))
	assert.Contains(t, second, `<td class="num change up">&#43;3</td>`)
	assert.Contains(t, second, `<td class="num change down">-2</td>`)
	assert.NotContains(t, second, "request 3", "no bundle in the table")
	assert.Contains(t, second, `<a href="?debug=1&amp;format=html&amp;type=github.com%2Fobjtrack%2Fobjtrack%2Finspect_test.Session">records</a>`)
}

// The page is one file: its style and script are inline, allowed by
// their hashes, and nothing is loaded from elsewhere.
func TestPageIsSelfContained(t *testing.T) {
	inv, _ := growingFixture(t)
	rec := get(t, inspect.Handler(inv), "/?format=html")
	page := rec.Body.String()
	for _, outside := range []string{"src=", "http:", "https:", "//", "@import", "url(", "<link rel=\"stylesheet\""} {
		if outside == "//" {
			page := regexp.MustCompile(`(?s)<script>.*</script>`).ReplaceAllString(page, "") // comments in the script
			assert.NotContains(t, page, outside)
			continue
		}
		assert.NotContains(t, page, outside)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	script := regexp.MustCompile(`(?s)<script>(.*)</script>`).FindStringSubmatch(page)
	style := regexp.MustCompile(`(?s)<style>(.*)</style>`).FindStringSubmatch(page)
	require.Len(t, script, 2)
	require.Len(t, style, 2)
	assert.Contains(t, csp, "script-src 'sha256-"+hash(script[1])+"'")
	assert.Contains(t, csp, "style-src 'sha256-"+hash(style[1])+"'")
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "connect-src 'self'")
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// A browser gets the page, curl the text; format= overrides either.
func TestPageForBrowsersOnly(t *testing.T) {
	h := inspect.Handler(fixture())
	cases := []struct{ target, accept, contentType string }{
		{"/", browserAccept, "text/html; charset=utf-8"},
		{"/", "TEXT/HTML", "text/html; charset=utf-8"},
		{"/", "*/*", "text/plain; charset=utf-8"},
		{"/", "", "text/plain; charset=utf-8"},
		{"/", "application/json", "text/plain; charset=utf-8"},
		{"/", "text/html;q=0, */*", "text/plain; charset=utf-8"},
		{"/", "text/html; q=0.5", "text/html; charset=utf-8"},
		{"/", strings.Repeat("a/b, ", 20) + "text/html", "text/plain; charset=utf-8"},
		{"/?format=text", browserAccept, "text/plain; charset=utf-8"},
		{"/?format=json", browserAccept, "application/json; charset=utf-8"},
		{"/?format=html", "*/*", "text/html; charset=utf-8"},
	}
	for _, c := range cases {
		rec := get(t, h, c.target, "Accept", c.accept)
		assert.Equal(t, c.contentType, rec.Header().Get("Content-Type"), "%s with Accept: %s", c.target, c.accept)
	}
}

// Bundles appear on a type's records page only, capped, with a link that
// shows more.
func TestPageRecords(t *testing.T) {
	inv := trackable.NewInventory()
	inv.SetObjectTracking(sessionType, true)
	e := &events{inv: inv}
	e.attach(sessionType, 1500, func(s uint64) any { return sessionBundle(s) })
	e.attach(connType, 1, nil)
	h := inspect.Handler(inv)
	assert.NotContains(t, get(t, h, "/?format=html").Body.String(), "request 1")

	page := get(t, h, "/?type=Session&debug=1", "Accept", browserAccept).Body.String()
	assert.Equal(t, 20, strings.Count(page, `<code class="bundle">`))
	assert.Contains(t, page, "<h2>inspect_test.Session: 20 of 1500 object records</h2>")
	assert.Contains(t, page, `<p class="more">... 1480 more. <a href="?debug=1&amp;objects=1000&amp;type=github.com%2Fobjtrack%2Fobjtrack%2Finspect_test.Session">Show up to 1000</a></p>`)
	assert.NotContains(t, page, `data-type="inspect_test.Conn"`)

	page = get(t, h, "/?format=html&type=Session&debug=1&objects=1000").Body.String()
	assert.Equal(t, 1000, strings.Count(page, `<code class="bundle">`))
}

// Without sampling, the page says why it draws no trend.
func TestPageWithoutSamples(t *testing.T) {
	page := get(t, inspect.Handler(fixture()), "/?format=html").Body.String()
	assert.Contains(t, page, "No samples yet")
	assert.Equal(t, 2, strings.Count(page, `<span class="none">no samples</span>`))
	assert.Contains(t, page, `<title>objtrack: 2 types, 3 live objects</title>`)
}
