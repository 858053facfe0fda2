package symbols

import (
	"context"
	"errors"
	"os"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestForProcessNamesThisProcess(t *testing.T) {
	table, err := ForProcess(context.Background(), Options{})
	if errors.Is(err, ErrNoGo) {
		t.Skip("no go command in PATH or GOROOT: the test binary cannot be rebuilt with a symbol table")
	}
	bi, _ := debug.ReadBuildInfo()
	if err != nil && slices.Contains(bi.Settings, debug.BuildSetting{Key: "-cover", Value: "true"}) && strings.Contains(err.Error(), "layout differs") {
		// go test -coverpkg (or -covermode) is not recorded in the binary:
		// the rebuild instruments other packages, and the check of its
		// layout must refuse it, as it did.
		t.Logf("a coverage build, which cannot be rebuilt alike, was refused: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	pkg := reflect.TypeFor[anchorType]().PkgPath()
	addr := uint64(uintptr(unsafe.Pointer(&processTable)))
	if s, ok := table.Containing(addr + 8); !ok || s.Name != pkg+".processTable" {
		t.Errorf("Containing(&processTable+8) = %+v, %v", s, ok)
	}
	start := time.Now()
	again, err := ForProcess(context.Background(), Options{Timeout: time.Nanosecond})
	if again != table || err != nil || time.Since(start) > time.Second {
		t.Errorf("a second call returned %p, %v after %v; want the first table at once", again, err, time.Since(start))
	}
}

func TestTestBuildOfThisBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, ok := testBuild(exe)
	if !ok {
		t.Fatalf("testBuild(%s): not a test binary", exe)
	}
	if want := reflect.TypeFor[anchorType]().PkgPath(); b.pkg != want {
		t.Errorf("package %q, want %q", b.pkg, want)
	}
	if !slices.Contains(b.flags, "-ldflags=-s=false -w=false") && !slices.ContainsFunc(b.flags, func(f string) bool { return strings.HasSuffix(f, " -s=false -w=false") }) {
		t.Errorf("flags %q keep no symbol table and DWARF", b.flags)
	}
}

func TestBuildFlagsAndEnvironment(t *testing.T) {
	settings := []debug.BuildSetting{
		{Key: "-buildmode", Value: "exe"}, {Key: "-compiler", Value: "gc"},
		{Key: "-gcflags", Value: "all=-N -l"}, {Key: "-ldflags", Value: "-X main.v=1"},
		{Key: "-race", Value: "true"}, {Key: "-cover", Value: "false"}, {Key: "-tags", Value: "leaky,x"},
		{Key: "-trimpath", Value: "true"}, {Key: "CGO_ENABLED", Value: "0"}, {Key: "GOARCH", Value: "amd64"},
		{Key: "GOAMD64", Value: "v3"}, {Key: "DefaultGODEBUG", Value: "x=1"}, {Key: "vcs.revision", Value: "abc"},
	}
	flags := buildFlags(settings)
	want := []string{"-buildmode=exe", "-compiler=gc", "-gcflags=all=-N -l", "-race", "-tags=leaky,x", "-trimpath", "-ldflags=-X main.v=1 -s=false -w=false"}
	if !slices.Equal(flags, want) {
		t.Errorf("flags %q, want %q", flags, want)
	}
	env := buildEnv(settings)
	if wantEnv := []string{"CGO_ENABLED=0", "GOARCH=amd64", "GOAMD64=v3"}; !slices.Equal(env, wantEnv) {
		t.Errorf("environment %q, want %q", env, wantEnv)
	}
}

func TestRebuildStopsAtItsDeadline(t *testing.T) {
	exe, _ := os.Executable()
	b, ok := testBuild(exe)
	if !ok {
		t.Skip("not a test binary")
	}
	if _, err := findGo(""); err != nil {
		t.Skip("no go command in PATH or GOROOT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, err := b.rebuild(ctx, "")
	if err == nil || !strings.Contains(err.Error(), "was stopped after") {
		t.Fatalf("rebuild past its deadline: %v", err)
	}
}

func TestRebuildReportsTheGoCommandsFailure(t *testing.T) {
	b := testBinary{pkg: "example.com/no/such/package"}
	if _, err := findGo(""); err != nil {
		t.Skip("no go command in PATH or GOROOT")
	}
	_, err := b.rebuild(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "failed") || !strings.Contains(err.Error(), "example.com/no/such/package") {
		t.Fatalf("rebuild of a missing package: %v", err)
	}
	if _, err := (testBinary{pkg: "x"}).rebuild(context.Background(), "/no/such/go"); err == nil {
		t.Error("rebuild with a missing go command succeeded")
	}
}

// A build with coverage is rebuilt in the running test's mode, covering
// the package alone, then every package of the main module; any other
// build as it was.
func TestVariantsOfACoverBuild(t *testing.T) {
	b := testBinary{pkg: "example.com/m/db", main: "example.com/m", flags: []string{"-race", "-cover", "-ldflags=-s=false -w=false"}}
	got := b.variants("atomic")
	want := [][]string{
		{"-race", "-cover", "-covermode=atomic", "-ldflags=-s=false -w=false"},
		{"-race", "-cover", "-covermode=atomic", "-coverpkg=example.com/m/...", "-ldflags=-s=false -w=false"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d variants, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if !slices.Equal(got[i].flags, want[i]) {
			t.Errorf("variant %d: flags %q, want %q", i, got[i].flags, want[i])
		}
	}
	if !slices.Equal(b.flags, []string{"-race", "-cover", "-ldflags=-s=false -w=false"}) {
		t.Errorf("variants changed the build's own flags: %q", b.flags)
	}
	plain := testBinary{pkg: "example.com/m/db", flags: []string{"-race"}}
	if v := plain.variants("set"); len(v) != 1 || !slices.Equal(v[0].flags, plain.flags) {
		t.Errorf("a build without coverage: variants %v, want itself", v)
	}
}
