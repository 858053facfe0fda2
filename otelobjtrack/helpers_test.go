package otelobjtrack_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/objtrack/objtrack/otelobjtrack"
	"github.com/objtrack/objtrack/trackable"
)

// The types the tests track.
type (
	Conn struct {
		trackable.Trackable
		Addr string
	}
	Session struct {
		trackable.Trackable
		User string
	}
	Buffer struct {
		trackable.Trackable
		Data []byte
	}
)

// testPkg is the full package path of the types above.
const testPkg = "github.com/objtrack/objtrack/otelobjtrack_test"

// useInventory makes a new inventory the global tracker until the test
// ends.
func useInventory(t testing.TB) *trackable.Inventory {
	t.Helper()
	inv := trackable.NewInventory()
	prev := trackable.GlobalTracker()
	trackable.SetGlobalTracker(inv)
	t.Cleanup(func() { trackable.SetGlobalTracker(prev) })
	return inv
}

// settle makes the inventory's counts exact.
func settle(t testing.TB) {
	t.Helper()
	if err := trackable.Settle(time.Minute); err != nil {
		t.Fatal(err)
	}
}

// startReader starts reporting inv to a new provider with a manual
// reader, stopped when the test ends.
func startReader(t testing.TB, inv *trackable.Inventory, opts ...otelobjtrack.Option) (*sdkmetric.ManualReader, func() error) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	stop, err := otelobjtrack.Start(inv, append([]otelobjtrack.Option{otelobjtrack.WithMeterProvider(provider)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop() })
	return reader, stop
}

// values is one collection of the package's metrics: instrument name, then
// objtrack.type, then value.
type values map[string]map[string]int64

// collect runs one collection and returns what the package reported. It
// fails the test if an instrument has the wrong kind or temporality, or a
// data point lacks objtrack.type.
func collect(t testing.TB, reader *sdkmetric.ManualReader) values {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	v := values{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelobjtrack.ScopeName {
			t.Fatalf("scope %q, want %q", sm.Scope.Name, otelobjtrack.ScopeName)
		}
		for _, m := range sm.Metrics {
			var points []metricdata.DataPoint[int64]
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				wantMonotonic := m.Name == "objtrack.objects.retired"
				if data.IsMonotonic != wantMonotonic || data.Temporality != metricdata.CumulativeTemporality {
					t.Fatalf("%s: monotonic %v, temporality %v", m.Name, data.IsMonotonic, data.Temporality)
				}
				points = data.DataPoints
			case metricdata.Gauge[int64]:
				if m.Name != "objtrack.objects.growing" {
					t.Fatalf("%s is a gauge", m.Name)
				}
				points = data.DataPoints
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
			if len(points) == 0 {
				continue
			}
			byType := map[string]int64{}
			for _, p := range points {
				name, ok := p.Attributes.Value(attribute.Key("objtrack.type"))
				if !ok || p.Attributes.Len() != 1 {
					t.Fatalf("%s: data point with attributes %v", m.Name, p.Attributes.ToSlice())
				}
				if _, dup := byType[name.AsString()]; dup {
					t.Fatalf("%s: two data points for %s", m.Name, name.AsString())
				}
				byType[name.AsString()] = p.Value
			}
			v[m.Name] = byType
		}
	}
	return v
}

// String lists the values one per line, sorted, for messages and examples.
func (v values) String() string {
	var lines []string
	for name, byType := range v {
		for typ, n := range byType {
			lines = append(lines, fmt.Sprintf("%s{objtrack.type=%q} %d", name, typ, n))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// fromSnapshot is what the package must report for a snapshot when every
// type fits under the cap.
func fromSnapshot(s trackable.Snapshot) values {
	v := values{"objtrack.objects.live": {}, "objtrack.objects.retired": {}}
	for _, tc := range s.Types {
		v["objtrack.objects.live"][fullName(tc.Type)] = tc.Live
		v["objtrack.objects.retired"][fullName(tc.Type)] = tc.Retired
	}
	for _, g := range s.Growing {
		if v["objtrack.objects.growing"] == nil {
			v["objtrack.objects.growing"] = map[string]int64{}
		}
		v["objtrack.objects.growing"][fullName(g.Type)] = 1
	}
	return v
}

func fullName(t reflect.Type) string { return t.PkgPath() + "." + t.Name() }

// fakeProvider hands out one fakeMeter, which keeps the callbacks
// registered with it so that a test can call them itself.
type fakeProvider struct {
	noop.MeterProvider
	meter *fakeMeter
}

func (p *fakeProvider) Meter(string, ...metric.MeterOption) metric.Meter { return p.meter }

type fakeMeter struct {
	noop.Meter
	callbacks    []metric.Callback
	instruments  [][]metric.Observable
	unregistered int
}

func (m *fakeMeter) RegisterCallback(f metric.Callback, instruments ...metric.Observable) (metric.Registration, error) {
	m.callbacks = append(m.callbacks, f)
	m.instruments = append(m.instruments, instruments)
	return &fakeRegistration{meter: m}, nil
}

type fakeRegistration struct {
	noop.Registration
	meter *fakeMeter
}

func (r *fakeRegistration) Unregister() error {
	r.meter.unregistered++
	return nil
}

// countingObserver counts observations.
type countingObserver struct {
	noop.Observer
	n int
}

func (o *countingObserver) ObserveInt64(metric.Int64Observable, int64, ...metric.ObserveOption) {
	o.n++
}

// blockingObserver closes inside at its first observation and waits there
// until release is closed.
type blockingObserver struct {
	noop.Observer
	inside, release chan struct{}
	blocked         bool
}

func (o *blockingObserver) ObserveInt64(metric.Int64Observable, int64, ...metric.ObserveOption) {
	if !o.blocked {
		o.blocked = true
		close(o.inside)
		<-o.release
	}
}

// setGlobalProvider makes mp the global meter provider, until the
// returned function sets a no-op one. (The global provider cannot go back
// to the one it had before: the first provider set replaces it for good.)
func setGlobalProvider(mp metric.MeterProvider) (reset func()) {
	otel.SetMeterProvider(mp)
	return func() { otel.SetMeterProvider(noop.NewMeterProvider()) }
}
