package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/trackable"
)

// The service runs on a loopback listener as main runs it; the leak shows
// in /metrics as a growing main.Session, and Buffer, made and dropped at
// the same pace, never grows.
func TestServerReportsItsLeakAsMetrics(t *testing.T) {
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(prev)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	// Samples are taken by hand below: the hour never passes.
	go func() { done <- run(ctx, ln, inv, config{sample: time.Hour, samples: 5}) }()
	base := "http://" + ln.Addr().String()

	for range 5 {
		for range 20 {
			body := get(t, base+"/hello?user=ann")
			require.True(t, strings.HasPrefix(body, "hello ann"), "/hello answered %q", body)
		}
		require.NoError(t, trackable.Settle(time.Minute))
		inv.Sample()
	}

	families, err := func() (map[string]float64, error) {
		parser := expfmt.NewTextParser(model.LegacyValidation)
		mfs, err := parser.TextToMetricFamilies(strings.NewReader(get(t, base+"/metrics")))
		if err != nil {
			return nil, err
		}
		out := map[string]float64{}
		for name, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "objtrack_type" {
						v := m.GetGauge().GetValue()
						if m.Counter != nil {
							v = m.GetCounter().GetValue()
						}
						out[name+"{"+l.GetValue()+"}"] = v
					}
				}
			}
		}
		return out, nil
	}()
	require.NoError(t, err)
	// objtrack_type is the full name: "main.Session" in the command, but
	// the package's import path in its test binary.
	session, buffer := fullName[Session](), fullName[Buffer]()
	assert.Equal(t, map[string]float64{
		"objtrack_objects_live{" + session + "}":          10,
		"objtrack_objects_retired_total{" + session + "}": 90,
		"objtrack_objects_live{" + buffer + "}":           0,
		"objtrack_objects_retired_total{" + buffer + "}":  100,
		"objtrack_objects_growing{" + session + "}":       1,
	}, families)

	assert.Contains(t, get(t, base+"/debug/objtrack/"), "main.Session")

	cancel()
	require.NoError(t, <-done)
}

func fullName[T any]() string {
	typ := reflect.TypeFor[T]()
	return typ.PkgPath() + "." + typ.Name()
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", url, body)
	return string(body)
}
