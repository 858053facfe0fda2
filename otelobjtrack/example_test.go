package otelobjtrack_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/objtrack/objtrack/otelobjtrack"
	"github.com/objtrack/objtrack/trackable"
)

// Job is a tracked type of the examples.
type Job struct {
	trackable.Trackable
	ID int
}

// The SDK's manual reader collects when asked, as a periodic reader or a
// Prometheus scrape would.
func ExampleStart() {
	inv := trackable.NewInventory()
	previous := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(previous)

	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(provider))
	if err != nil {
		log.Fatal(err)
	}
	defer stop()

	running := []*Job{trackable.Track(&Job{ID: 1}), trackable.Track(&Job{ID: 2})}
	for id := 3; id <= 5; id++ {
		_ = trackable.Track(&Job{ID: id}) // done, and dropped
	}
	// Collect the garbage and run the cleanups, for exact counts; a
	// service does not need it.
	if err := trackable.Settle(time.Minute); err != nil {
		log.Fatal(err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			for _, p := range sum.DataPoints {
				typ, _ := p.Attributes.Value("objtrack.type")
				fmt.Printf("%s objtrack.type=%s: %d\n", m.Name, typ.AsString(), p.Value)
			}
		}
	}
	runtime.KeepAlive(running)
	// Output:
	// objtrack.objects.live objtrack.type=github.com/objtrack/objtrack/otelobjtrack_test.Job: 2
	// objtrack.objects.retired objtrack.type=github.com/objtrack/objtrack/otelobjtrack_test.Job: 3
}

// Serve the metrics to Prometheus with the OpenTelemetry Prometheus
// exporter, and see what a scrape reads.
func ExampleStart_prometheus() {
	inv := trackable.NewInventory()
	previous := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(previous)

	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		log.Fatal(err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(provider))
	if err != nil {
		log.Fatal(err)
	}
	defer stop()
	srv := httptest.NewServer(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	defer srv.Close()

	running := trackable.Track(&Job{ID: 1})
	_ = trackable.Track(&Job{ID: 2})
	if err := trackable.Settle(time.Minute); err != nil {
		log.Fatal(err)
	}

	resp, err := http.Get(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "objtrack_") {
			fmt.Println(lines.Text())
		}
	}
	runtime.KeepAlive(running)
	// Output:
	// objtrack_objects_live{objtrack_type="github.com/objtrack/objtrack/otelobjtrack_test.Job",otel_scope_name="github.com/objtrack/objtrack/otelobjtrack",otel_scope_schema_url="",otel_scope_version=""} 1
	// objtrack_objects_retired_total{objtrack_type="github.com/objtrack/objtrack/otelobjtrack_test.Job",otel_scope_name="github.com/objtrack/objtrack/otelobjtrack",otel_scope_schema_url="",otel_scope_version=""} 1
}

// Past the cap, the types with the fewest live objects are summed into
// "other": here two Conns and a Session.
func ExampleWithMaxTypes() {
	inv := trackable.NewInventory()
	previous := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	defer trackable.SetGlobalTracker(previous)

	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(provider), otelobjtrack.WithMaxTypes(1))
	if err != nil {
		log.Fatal(err)
	}
	defer stop()

	jobs := []*Job{trackable.Track(&Job{}), trackable.Track(&Job{}), trackable.Track(&Job{})}
	conns := []*Conn{trackable.Track(&Conn{}), trackable.Track(&Conn{})}
	session := trackable.Track(&Session{})

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	live := rm.ScopeMetrics[0].Metrics[0]
	for _, p := range live.Data.(metricdata.Sum[int64]).DataPoints {
		typ, _ := p.Attributes.Value("objtrack.type")
		fmt.Printf("%s %s: %d\n", live.Name, typ.AsString(), p.Value)
	}
	runtime.KeepAlive(jobs)
	runtime.KeepAlive(conns)
	runtime.KeepAlive(session)
	// Unordered output:
	// objtrack.objects.live github.com/objtrack/objtrack/otelobjtrack_test.Job: 3
	// objtrack.objects.live other: 3
}
