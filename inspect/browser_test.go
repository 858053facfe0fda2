package inspect_test

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/internal/testsupport/golden"
)

// findChrome returns a headless Chromium: $OBJTRACK_CHROME, else one on
// PATH or where Debian's packages put it. It skips the test when there is
// none.
func findChrome(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("OBJTRACK_CHROME"); path != "" {
		if _, err := exec.LookPath(path); err != nil {
			t.Fatalf("OBJTRACK_CHROME=%s: %v", path, err)
		}
		return path
	}
	for _, name := range []string{"chromium-headless-shell", "headless_shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	for _, path := range []string{"/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/headless_shell", "/usr/lib/chromium/chromium"} {
		if _, err := exec.LookPath(path); err == nil {
			return path
		}
	}
	t.Skip("no headless Chromium to show the page in: apt-get install chromium-headless-shell, or set OBJTRACK_CHROME=/path/to/chrome")
	return ""
}

// console collects what a page writes to its console: calls of the
// console API, uncaught exceptions and entries of the browser's log
// (failed loads, violations of the content security policy).
type console struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	marked   chan struct{} // closed when the end marker arrives
	done     chan struct{} // closed when the subscription ends
}

// consoleEnd marks the end of the test's messages: the console's order
// is kept, so once it arrives, every message before it has too.
const consoleEnd = "objtrack-test: end of messages"

func listenToConsole(ctx context.Context) *console {
	c := &console{marked: make(chan struct{}), done: make(chan struct{})}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(c.done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Text == consoleEnd {
				close(c.marked)
				continue
			}
			c.mu.Lock()
			c.messages = append(c.messages, m)
			c.mu.Unlock()
		}
	}()
	return c
}

// all returns every message the page wrote before the end marker.
func (c *console) all(t *testing.T, ctx context.Context) []chromedp.ConsoleMessage {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := chromedp.Evaluate[any]("console.debug("+jsString(consoleEnd)+")")(ctx, target)
		return err
	})))
	select {
	case <-c.marked:
	case <-ctx.Done():
		t.Fatal("the console's end marker never arrived")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), c.messages...)
}

func jsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// The page in a real browser: it renders with no console message, shows
// the table and a sparkline per type, puts the growing type first and
// highlights it, filters, refreshes with the change since the previous
// view, pauses, and refreshes on its own.
func TestPageInABrowser(t *testing.T) {
	chrome := findChrome(t)
	inv, e := growingFixture(t)
	srv := httptest.NewServer(inspect.Handler(inv)) // on the loopback interface
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox, // the sandbox refuses to run as root, as CI does
		chromedp.WindowSize(1000, 560),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, closeBrowser := chromedp.NewContext(allocCtx)
	defer closeBrowser()
	// Start the browser and its tab first, so that the console is
	// listened to from the page's first line on.
	require.NoError(t, chromedp.Do(browser))
	messages := listenToConsole(browser)

	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(browser, chromedp.Evaluate[any](expr))
		require.NoError(t, err, expr)
		return v
	}
	visibleRows := `Array.from(document.querySelectorAll("#types tbody tr")).filter(r => !r.hidden).map(r => r.dataset.type)`

	// The browser asks for text/html: the handler's root serves the page.
	require.NoError(t, chromedp.Do(browser,
		chromedp.Navigate(srv.URL+"/?refresh=0"),
		chromedp.WaitVisible(chromedp.CSS("#types")),
	))
	assert.Equal(t, "objtrack: 5 types, 32 live objects, 1 growing", eval("document.title"))
	assert.Equal(t, 5.0, eval(`document.querySelectorAll("#types tbody tr").length`))
	assert.Equal(t, 5.0, eval(`document.querySelectorAll("svg.spark polyline").length`), "a sparkline per type")
	assert.Greater(t, eval(`document.querySelector("svg.spark polyline").getBBox().width`), 100.0, "the sparkline is drawn")
	assert.Equal(t, "inspect_test.Session", eval(`document.querySelector("#types tbody tr").dataset.type`), "the growing type first")
	assert.Equal(t, true, eval(`document.querySelector("#types tbody tr").classList.contains("growing")`))
	assert.Equal(t, "rgb(253, 236, 234)", eval(`getComputedStyle(document.querySelector("tr.growing")).backgroundColor`), "highlighted")
	assert.Equal(t, 1.0, eval(`document.querySelectorAll("tr.growing").length`))

	// The filter keeps the matching rows, and says so when none match.
	require.NoError(t, chromedp.Do(browser, chromedp.SendKeys(chromedp.CSS("#filter"), "sess")))
	assert.Equal(t, []any{"inspect_test.Session"}, eval(visibleRows))
	require.NoError(t, chromedp.Do(browser, chromedp.SendKeys(chromedp.CSS("#filter"), "zzz")))
	assert.Empty(t, eval(visibleRows))
	assert.Equal(t, false, eval(`document.getElementById("no-match").hidden`))
	eval(`(f => { f.value = "o"; f.dispatchEvent(new Event("input")); })(document.getElementById("filter"))`)
	assert.Equal(t, []any{"inspect_test.Session", "inspect_test.Conn", "inspect_test.Worker"}, eval(visibleRows))

	// A refresh shows the change since the view before, keeps the filter.
	e.attach(sessionType, 3, func(s uint64) any { return sessionBundle(s) })
	e.destroy(workerType, 6, 7)
	require.NoError(t, chromedp.Do(browser,
		chromedp.Click(chromedp.CSS("#refresh-now")),
		chromedp.WaitReady(chromedp.CSS(`#view[data-generation="1"]`)),
	))
	assert.Equal(t, "+3", eval(`document.querySelector('tr[data-type="inspect_test.Session"] td.change').textContent`))
	assert.Equal(t, "-2", eval(`document.querySelector('tr[data-type="inspect_test.Worker"] td.change').textContent`))
	assert.Equal(t, []any{"inspect_test.Session", "inspect_test.Conn", "inspect_test.Worker"}, eval(visibleRows))
	assert.Contains(t, eval(`document.getElementById("status").textContent`), "updated")
	eval(`(f => { f.value = ""; f.dispatchEvent(new Event("input")); })(document.getElementById("filter"))`)
	assert.Len(t, eval(visibleRows), 5)
	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	saveScreenshot(t, png)

	// Pause, then resume, which refreshes at once.
	require.NoError(t, chromedp.Do(browser, chromedp.Click(chromedp.CSS("#pause"))))
	assert.Equal(t, "true", eval(`document.getElementById("pause").getAttribute("aria-pressed")`))
	assert.Equal(t, "paused", eval(`document.getElementById("status").textContent`))
	require.NoError(t, chromedp.Do(browser,
		chromedp.Click(chromedp.CSS("#pause")),
		chromedp.WaitReady(chromedp.CSS(`#view[data-generation="2"]`)),
	))
	assert.Equal(t, "Pause", eval(`document.getElementById("pause").textContent`))

	// The records of a type, from its link.
	require.NoError(t, chromedp.Do(browser,
		chromedp.Click(chromedp.CSS(`tr[data-type="inspect_test.Session"] a`)),
		chromedp.WaitVisible(chromedp.CSS("section.records")),
	))
	assert.Equal(t, 20.0, eval(`document.querySelectorAll("section.records li").length`))
	assert.Equal(t, `"request 31"`, eval(`document.querySelector("section.records code.bundle").textContent`))

	// On its own, every second.
	require.NoError(t, chromedp.Do(browser,
		chromedp.Navigate(srv.URL+"/?refresh=1"),
		chromedp.WaitReady(chromedp.CSS(`#view[data-generation="1"]`)),
		chromedp.WaitVisible(chromedp.CSS("#types")),
	))

	for _, m := range messages.all(t, browser) {
		t.Errorf("console: %s", m)
	}
	closeBrowser()
	<-messages.done
}

// saveScreenshot keeps the page's picture with the test's artifacts
// (go test -artifacts keeps them) and, with -update, in testdata for the
// README.
func saveScreenshot(t *testing.T, png []byte) {
	t.Helper()
	require.True(t, len(png) > 8 && string(png[1:4]) == "PNG", "a PNG screenshot")
	path := filepath.Join(t.ArtifactDir(), "page.png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		path := golden.Path(t, "inspect/page.png")
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("screenshot: %s", path)
	}
}
