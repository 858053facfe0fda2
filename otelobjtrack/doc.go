// Package otelobjtrack reports a [trackable.Inventory] as OpenTelemetry
// metrics, so that the live and retired objects of each type, and the
// types that keep growing, reach the dashboards and alerts a service
// already has.
//
//	inv := trackable.NewInventory()
//	trackable.SetGlobalTracker(inv)
//	stopSampling, _ := inv.StartSampling(time.Minute, 0) // growth detection
//	defer stopSampling()
//	stop, err := otelobjtrack.Start(inv) // the global meter provider
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer stop()
//
// It is a module of its own, so that programs that use trackable or
// leakcheck without it never download OpenTelemetry. It needs only the
// OpenTelemetry metric API; the SDK and the exporters are the program's
// choice.
//
// # Instruments
//
// Three observable instruments, under the meter named [ScopeName], each
// with the attribute objtrack.type:
//
//	objtrack.objects.live     Int64ObservableUpDownCounter  {object}  objects attached and not yet freed
//	objtrack.objects.retired  Int64ObservableCounter        {object}  objects freed while attached
//	objtrack.objects.growing  Int64ObservableGauge                    1 for each type whose live count keeps rising
//
// objtrack.type is the type's full name, "example.com/db.Conn"
// ("main.Session" for a type of package main, which a test binary names
// by its import path instead): the snapshot's short name "db.Conn" would
// change to the full one as soon as another package's Conn were counted,
// and start a new series. The live and retired counts are those of
// [trackable.TypeCount]. A type has a growing series only while
// [trackable.Inventory.Growing] lists it, which needs
// [trackable.Inventory.StartSampling]; there is no series with the value 0.
//
// Through the OpenTelemetry Prometheus exporter
// (go.opentelemetry.io/otel/exporters/prometheus, with its default
// translation), the metrics read:
//
//	objtrack_objects_live{objtrack_type="main.Session",otel_scope_name="github.com/objtrack/objtrack/otelobjtrack",otel_scope_schema_url="",otel_scope_version=""} 10
//	objtrack_objects_retired_total{objtrack_type="main.Session",otel_scope_name="github.com/objtrack/objtrack/otelobjtrack",otel_scope_schema_url="",otel_scope_version=""} 90
//	objtrack_objects_growing{objtrack_type="main.Session",otel_scope_name="github.com/objtrack/objtrack/otelobjtrack",otel_scope_schema_url="",otel_scope_version=""} 1
//
// The unit {object} is an annotation, which adds no suffix to the name;
// the counter gets _total; the up-down counter is a Prometheus gauge.
//
// # Cost
//
// Nothing is done on the path of Track or of a cleanup: the counts are
// read when a reader collects, by one callback that takes one snapshot for
// the three instruments. A snapshot takes no lock that Track or a cleanup
// waits on, and collecting never forces a garbage collection, so between
// collections the live counts include the objects that are garbage but not
// yet collected (see [trackable.Settle] for exact counts in a test).
//
// Each type's attribute set is made once, and the callback then costs
// little more than the snapshot it reads. What a collection costs beyond
// that is the SDK's work on each series: over 1,000 types, a collection
// through the SDK's reader takes about 2.5 times as long as the snapshot
// alone with the default cap (301 series per instrument), and about 5
// times with every type by name (see BenchmarkCollect). A snapshot
// copies the records of the types under object tracking, so these
// records are copied at each collection too.
//
// # Cardinality
//
// One series per type and instrument could be too many for a program
// that tracks many types, so at most [DefaultMaxTypes] types are reported
// by name, or as many as [WithMaxTypes] says. Beyond that, the types with
// the most live objects at each collection are reported by name and the
// rest are summed into one series whose objtrack.type is "other": its live
// count is their sum, its growing gauge is 1 when any of them grows, and
// its retired counter is accumulated so that it never goes down, whichever
// types move in and out of the top. A type that leaves the top stops
// being reported by name; when it comes back, its own retired series
// reports its exact count again, so summing retired over every series can
// count the retirements it had while in "other" twice.
package otelobjtrack
