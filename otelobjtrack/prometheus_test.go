package otelobjtrack_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/objtrack/objtrack/otelobjtrack"
	"github.com/objtrack/objtrack/trackable"
)

// The whole way a Prometheus server sees the metrics: the OpenTelemetry
// Prometheus exporter on a registry of its own, served by promhttp,
// scraped over HTTP and read by Prometheus' own parser.
func TestPrometheusScrape(t *testing.T) {
	inv := useInventory(t)
	stopSampling, err := inv.StartSampling(time.Hour, 4)
	require.NoError(t, err)
	defer stopSampling()
	url := servePrometheus(t, inv)

	kept := trackSome()
	for range 4 {
		kept = append(kept, trackable.Track(&Session{}))
		settle(t)
		inv.Sample()
	}

	got := scrape(t, url)
	scope := map[string]string{
		"otel_scope_name":       otelobjtrack.ScopeName,
		"otel_scope_schema_url": "",
		"otel_scope_version":    "",
	}
	for name, f := range got {
		if name == "target_info" { // the process, not the inventory
			continue
		}
		for _, s := range f.samples {
			assert.Equal(t, scope, s.otherLabels, "%s{objtrack_type=%q}: the labels besides objtrack_type", name, s.objtrackType)
		}
	}
	want := map[string]family{
		"objtrack_objects_live": {"GAUGE", map[string]float64{
			testPkg + ".Conn": 2, testPkg + ".Session": 6, testPkg + ".Buffer": 0,
		}},
		"objtrack_objects_retired_total": {"COUNTER", map[string]float64{
			testPkg + ".Conn": 1, testPkg + ".Session": 0, testPkg + ".Buffer": 4,
		}},
		"objtrack_objects_growing": {"GAUGE", map[string]float64{
			testPkg + ".Session": 1,
		}},
	}
	assert.Equal(t, want, got.byType())
	runtime.KeepAlive(kept)
}

// servePrometheus reports inv through the OpenTelemetry Prometheus
// exporter on a registry of its own, served over HTTP until the test ends,
// and returns the URL to scrape.
func servePrometheus(t *testing.T, inv *trackable.Inventory, opts ...otelobjtrack.Option) string {
	t.Helper()
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	require.NoError(t, err)
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	stop, err := otelobjtrack.Start(inv, append([]otelobjtrack.Option{otelobjtrack.WithMeterProvider(provider)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stop() })
	srv := httptest.NewServer(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// family is what a test expects of a metric family: its type, and the
// value of each series by its objtrack_type label.
type family struct {
	typ    string
	values map[string]float64
}

// scraped is an exposition, parsed.
type scraped map[string]scrapedFamily

type scrapedFamily struct {
	typ     string // "GAUGE", "COUNTER", ...
	samples []sample
}

type sample struct {
	objtrackType string
	otherLabels  map[string]string
	value        float64
}

// byType keeps of each family its type and the value of each series by
// objtrack_type, and leaves out target_info, which describes the process.
func (s scraped) byType() map[string]family {
	out := map[string]family{}
	for name, f := range s {
		if name == "target_info" {
			continue
		}
		values := map[string]float64{}
		for _, x := range f.samples {
			values[x.objtrackType] = x.value
		}
		out[name] = family{f.typ, values}
	}
	return out
}

// scrape gets the exposition in the text format, and parses it with
// Prometheus' own parser.
func scrape(t *testing.T, url string) scraped {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	// The names must pass the classic, stricter validation: the exporter
	// escapes the dots of OpenTelemetry's names.
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err, "scraped:\n%s", body)
	out := scraped{}
	for name, mf := range families {
		f := scrapedFamily{typ: mf.GetType().String()}
		for _, m := range mf.GetMetric() {
			s := sample{otherLabels: map[string]string{}}
			for _, l := range m.GetLabel() {
				if l.GetName() == "objtrack_type" {
					s.objtrackType = l.GetValue()
				} else {
					s.otherLabels[l.GetName()] = l.GetValue()
				}
			}
			switch {
			case m.Counter != nil:
				s.value = m.GetCounter().GetValue()
			case m.Gauge != nil:
				s.value = m.GetGauge().GetValue()
			default:
				t.Fatalf("%s: neither a counter nor a gauge in:\n%s", name, body)
			}
			f.samples = append(f.samples, s)
		}
		out[name] = f
	}
	return out
}
