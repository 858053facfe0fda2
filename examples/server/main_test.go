package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/objtrack/objtrack/internal/settle"
	"github.com/objtrack/objtrack/trackable"
)

// The leak shows as a growing Session count; Buffer, made and dropped at
// the same pace, never does.
func TestServerShowsItsSlowLeak(t *testing.T) {
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(prev)
	stop, err := inv.StartSampling(time.Hour, 5) // samples taken by hand below
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	srv := httptest.NewServer(newServer(inv, &app{}))
	defer srv.Close()

	for range 5 {
		for range 20 {
			body := fetch(t, srv.URL+"/hello?user=ann", "")
			if !strings.HasPrefix(body, "hello ann") {
				t.Fatalf("/hello answered %q", body)
			}
		}
		if err := settle.Settle(30 * time.Second).Err(); err != nil {
			t.Fatal(err)
		}
		inv.Sample()
	}

	var snap trackable.Snapshot
	if err := json.Unmarshal([]byte(fetch(t, srv.URL+"/debug/objtrack/?format=json", "")), &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Growing) != 1 || snap.Growing[0].Name != "main.Session" || snap.Growing[0].LastSample != 10 {
		t.Fatalf("growing = %+v, want main.Session alone with 10 at the last sample", snap.Growing)
	}
	text := fetch(t, srv.URL+"/debug/objtrack/", "*/*")
	for _, want := range []string{
		"main.Buffer                              live: 0            retired: 100\n",
		"main.Session                             live: 10           retired: 90\n",
		"growing: main.Session                    +8 over the last 4 samples, rising in 4 of them\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	if vars := fetch(t, srv.URL+"/debug/vars", ""); !strings.Contains(vars, `"cmdline"`) {
		t.Errorf("/debug/vars = %s", vars)
	}

	// A browser gets the page, with the leak on top, highlighted.
	page := fetch(t, srv.URL+"/debug/objtrack/", "text/html,application/xhtml+xml,*/*;q=0.8")
	first := strings.Index(page, "<tr data-type=")
	if first < 0 || !strings.HasPrefix(page[first:], `<tr data-type="main.Session" class="growing">`) {
		t.Errorf("the page does not show main.Session first, growing:\n%s", page)
	}
}

// fetch gets url, sending an Accept header if accept is not empty.
func fetch(t *testing.T, url, accept string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	return string(body)
}
