// Command server is a small HTTP service with a slow, deliberate leak (one
// session in ten is kept forever) that reports its inventory two ways on
// one mux: the objtrack pages for a person, and OpenTelemetry metrics in
// the Prometheus format for a monitoring system.
//
//	go run ./examples/server &                 # in the otelobjtrack module
//	curl 'localhost:8080/debug/objtrack/'      # the dump, with changes since the last request
//	curl -s localhost:8080/metrics | grep '^objtrack_'
//
// The metrics read, after a while:
//
//	objtrack_objects_live{objtrack_type="main.Session",...} 12
//	objtrack_objects_retired_total{objtrack_type="main.Session",...} 108
//	objtrack_objects_growing{objtrack_type="main.Session",...} 1
//
// and an alert on objtrack_objects_growing == 1 finds the leak.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/otelobjtrack"
	"github.com/objtrack/objtrack/trackable"
)

// Session is made for every request.
type Session struct {
	trackable.Trackable
	User string
}

// Buffer is made and dropped for every request: it never grows.
type Buffer struct {
	trackable.Trackable
	Data []byte
}

// app is the service: its handler leaks one session in ten.
type app struct {
	requests atomic.Int64
	mu       sync.Mutex
	kept     []*Session // the leak
}

func (a *app) hello(w http.ResponseWriter, r *http.Request) {
	n := a.requests.Add(1)
	s := trackable.Track(&Session{User: r.URL.Query().Get("user")})
	buf := trackable.Track(&Buffer{Data: make([]byte, 512)})
	if n%10 == 0 {
		a.mu.Lock()
		a.kept = append(a.kept, s) // "cached for later", never released
		a.mu.Unlock()
	}
	fmt.Fprintf(w, "hello %s (%d bytes)\n", s.User, len(buf.Data))
}

// config is what the flags set.
type config struct {
	sample  time.Duration // how often the inventory samples its counts
	samples int           // the window of growth detection
	traffic time.Duration // how often the built-in client calls /hello; 0: never
	gc      bool          // collect garbage at every sample period
}

// startMetrics reports inv through OpenTelemetry to a Prometheus registry
// of its own, and returns the handler that serves the registry and a
// function that stops reporting.
func startMetrics(inv *trackable.Inventory) (http.Handler, func() error, error) {
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		return nil, nil, err
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	stop, err := otelobjtrack.Start(inv, otelobjtrack.WithMeterProvider(provider))
	if err != nil {
		return nil, nil, errors.Join(err, provider.Shutdown(context.Background()))
	}
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{}), func() error {
		return errors.Join(stop(), provider.Shutdown(context.Background()))
	}, nil
}

// newServer returns the service's routes: /hello, the inventory's pages
// and the metrics.
func newServer(inv *trackable.Inventory, a *app, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", a.hello)
	mux.Handle(inspect.Path, inspect.Handler(inv))
	mux.Handle("/metrics", metrics)
	return mux
}

// run serves on ln until ctx ends, with inv as the inventory.
func run(ctx context.Context, ln net.Listener, inv *trackable.Inventory, cfg config) (err error) {
	stopSampling, err := inv.StartSampling(cfg.sample, cfg.samples)
	if err != nil {
		return err
	}
	defer stopSampling()
	metrics, stopMetrics, err := startMetrics(inv)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopMetrics()) }()

	srv := &http.Server{Handler: newServer(inv, &app{}, metrics), ReadHeaderTimeout: 5 * time.Second}
	if cfg.traffic > 0 {
		url := "http://" + ln.Addr().String() + "/hello?user=demo"
		go every(ctx, cfg.traffic, func() { // the demo's own client
			if resp, err := http.Get(url); err == nil {
				resp.Body.Close()
			}
		})
	}
	if cfg.gc {
		go every(ctx, cfg.sample, runtime.GC)
	}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	var cfg config
	flag.DurationVar(&cfg.sample, "sample", time.Second, "how often the inventory samples its counts")
	flag.IntVar(&cfg.samples, "samples", trackable.DefaultSamples, "how many samples growth detection compares")
	flag.DurationVar(&cfg.traffic, "traffic", 50*time.Millisecond, "how often the built-in client calls /hello (0: never)")
	flag.BoolVar(&cfg.gc, "gc", true, "collect garbage at every sample period, so that the demo's tiny heap shows settled counts (a real service needs no such thing)")
	flag.Parse()

	inv := trackable.NewInventory()
	trackable.SetGlobalTracker(inv)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log.Printf("serving on http://%s: the inventory at %s, metrics at /metrics", ln.Addr(), inspect.Path)
	if err := run(ctx, ln, inv, cfg); err != nil {
		log.Fatal(err)
	}
}

// every calls f every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
