package symbols

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// testBinary is how a test binary was built: enough to build it again.
type testBinary struct {
	pkg   string   // import path of the package under test
	main  string   // path of the main module
	flags []string // build flags for go test -c
	env   []string // build environment: GOARCH=amd64...
}

// testBuild reports whether the executable is a test binary built by go
// test, and how it was built: go test names it pkg.test and records its
// settings in it.
func testBuild(exe string) (testBinary, bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Path == "" || bi.Path == "command-line-arguments" {
		return testBinary{}, false
	}
	isTest := func(p string) bool { return strings.HasSuffix(strings.TrimSuffix(filepath.Base(p), ".exe"), ".test") }
	if !isTest(exe) && (len(os.Args) == 0 || !isTest(os.Args[0])) {
		return testBinary{}, false
	}
	// The path is pkg.test for a test binary, but pkg itself for the
	// tests of a main package.
	pkg := strings.TrimSuffix(bi.Path, ".test")
	return testBinary{pkg: pkg, main: bi.Main.Path, flags: buildFlags(bi.Settings), env: buildEnv(bi.Settings)}, true
}

// keepSymbols are the linker flags that keep a symbol table and DWARF.
const keepSymbols = "-s=false -w=false"

// buildFlags turns the recorded settings into go command flags. The link
// keeps its symbol table and its DWARF (which names the fields of
// variables) whatever the original -ldflags said.
func buildFlags(settings []debug.BuildSetting) []string {
	var flags []string
	ldflags := keepSymbols
	for _, s := range settings {
		switch s.Key {
		case "-asmflags", "-gcflags", "-tags", "-buildmode", "-compiler", "-pgo":
			flags = append(flags, s.Key+"="+s.Value)
		case "-ldflags":
			ldflags = s.Value + " " + keepSymbols
		case "-race", "-msan", "-asan", "-cover", "-trimpath":
			if s.Value == "true" {
				flags = append(flags, s.Key)
			}
		}
	}
	return append(flags, "-ldflags="+ldflags)
}

// buildEnv turns the recorded settings into environment variables: the
// target (GOOS, GOARCH and its level: GOAMD64...), cgo and experiments.
func buildEnv(settings []debug.BuildSetting) []string {
	var env []string
	for _, s := range settings {
		k := s.Key
		if (strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_")) && k != "DefaultGODEBUG" {
			env = append(env, k+"="+s.Value)
		}
	}
	return env
}

// variants are the builds that may be the one that made the running
// binary, in the order to try them. Its settings say -cover=true, but
// not the mode (coverMode, from the running test) nor which packages
// -coverpkg named: after the build that covers the package under test
// alone comes the one that covers every package of the main module
// (go test -coverpkg=./... from its root), the usual choice of a CI.
func (b testBinary) variants(coverMode string) []testBinary {
	i := slices.Index(b.flags, "-cover")
	if i < 0 {
		return []testBinary{b}
	}
	cover := []string{"-cover"}
	if coverMode != "" {
		cover = append(cover, "-covermode="+coverMode)
	}
	alone := b
	alone.flags = slices.Replace(slices.Clone(b.flags), i, i+1, cover...)
	if b.main == "" {
		return []testBinary{alone}
	}
	module := b
	module.flags = slices.Replace(slices.Clone(b.flags), i, i+1, append(cover, "-coverpkg="+b.main+"/...")...)
	return []testBinary{alone, module}
}

// rebuilt is a test binary built again, in a temporary directory.
type rebuilt struct {
	dir, path string
}

// rebuild builds the test binary again with a symbol table.
func (b testBinary) rebuild(ctx context.Context, goCmd string) (*rebuilt, error) {
	goCmd, err := findGo(goCmd)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "symbols-rebuild-*")
	if err != nil {
		return nil, err
	}
	out := &rebuilt{dir: dir, path: filepath.Join(dir, "rebuilt.test")}
	if runtime.GOOS == "windows" {
		out.path += ".exe"
	}
	args := append([]string{"test", "-c", "-o", out.path}, b.flags...)
	args = append(args, b.pkg)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Env = append(os.Environ(), b.env...)
	cmd.WaitDelay = 5 * time.Second
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("symbols: rebuilding the test binary with a symbol table (%s %s) was stopped after %v: %v", goCmd, strings.Join(args, " "), time.Since(start).Round(time.Millisecond), ctx.Err())
		}
		return nil, fmt.Errorf("symbols: rebuilding the test binary with a symbol table (%s %s) failed: %v\n%s", goCmd, strings.Join(args, " "), err, bytes.TrimSpace(output.Bytes()))
	}
	info, err := buildinfo.ReadFile(out.path)
	if err == nil && info.GoVersion != runtime.Version() {
		err = fmt.Errorf("symbols: the go command (%s) builds with %s, but this process runs %s", goCmd, info.GoVersion, runtime.Version())
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return out, nil
}

// findGo returns the go command to run.
func findGo(goCmd string) (string, error) {
	if goCmd != "" {
		return goCmd, nil
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if runtime.GOOS == "windows" {
			p += ".exe"
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoGo
}

// ErrNoGo is the error of a rebuild when no go command is found.
var ErrNoGo = errors.New("symbols: no go command in PATH or in $GOROOT/bin to rebuild the test binary with a symbol table")
