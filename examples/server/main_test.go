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
			body := fetch(t, srv.URL+"/hello?user=ann")
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
	if err := json.Unmarshal([]byte(fetch(t, srv.URL+"/debug/objtrack/?format=json")), &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Growing) != 1 || snap.Growing[0].Type != "main.Session" || snap.Growing[0].Live != 10 {
		t.Fatalf("growing = %+v, want main.Session alone with 10 live", snap.Growing)
	}
	text := fetch(t, srv.URL+"/debug/objtrack/")
	for _, want := range []string{
		"main.Buffer                              allocated: 0            retired: 100",
		"main.Session                             allocated: 10           retired: 90",
		"growing: main.Session                    live: 10, +8 over the last 4 samples, rising in 4 of them",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the dump lacks %q:\n%s", want, text)
		}
	}
	if vars := fetch(t, srv.URL+"/debug/vars"); !strings.Contains(vars, `"cmdline"`) {
		t.Errorf("/debug/vars = %s", vars)
	}
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
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
