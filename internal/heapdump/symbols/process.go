package symbols

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Options are the options of [ForProcess].
type Options struct {
	// Timeout bounds the rebuild of a test binary; 60 seconds when 0.
	Timeout time.Duration
	// Go is the go command that rebuilds a test binary. When empty, it is
	// "go" from PATH (go test puts its own first), then $GOROOT/bin/go.
	Go string
	// NoRebuild makes ForProcess use only the executable's own table.
	NoRebuild bool
	// CoverMode is the coverage mode of a test binary built with
	// coverage (testing.CoverMode()), which its build settings do not
	// record: a rebuild in another mode lays its variables out
	// otherwise.
	CoverMode string
}

// DefaultTimeout bounds the rebuild of a test binary when
// Options.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// processTable is the result of ForProcess, kept for the life of the
// process.
var processTable struct {
	mu    sync.Mutex
	done  bool
	table *Table
	err   error
}

// ForProcess returns the symbol table of the running executable, with
// the addresses of this process. It tries, in order:
//
//   - the executable's own table;
//   - when the executable is a test binary built by go test, which links
//     without a symbol table, the same test binary rebuilt with one
//     (go test -c with the build settings recorded in the binary, run in
//     the working directory, which go test sets to the package's);
//
// and accepts a table only when the anchors (variables of each data
// section and functions whose addresses are known here) are where the
// process has them, or all shifted alike within each section. Otherwise
// it returns an error that says why no table fits.
//
// The first call that completes decides for the life of the process, with
// its options: later calls return the same table or error at once. A call
// whose ctx is canceled before it completes decides nothing.
func ForProcess(ctx context.Context, opts Options) (*Table, error) {
	p := &processTable
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return p.table, p.err
	}
	t, err := findProcessTable(ctx, opts)
	if ctx.Err() != nil && err != nil {
		return nil, err
	}
	p.done, p.table, p.err = true, t, err
	return t, err
}

func findProcessTable(ctx context.Context, opts Options) (*Table, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("symbols: cannot find the executable: %v", err)
	}
	image := exe
	if runtime.GOOS == "linux" {
		// The file the process runs, even when its path now names
		// another (a go test -c -o rebuilt in place) or none.
		if _, err := os.Stat("/proc/self/exe"); err == nil {
			image = "/proc/self/exe"
		}
	}
	own, err := Open(image)
	if err == nil {
		return verify(own, anchors())
	}
	if !errors.Is(err, ErrNoSymbols) {
		return nil, err
	}
	if opts.NoRebuild {
		return nil, err
	}
	build, ok := testBuild(exe)
	if !ok {
		return nil, fmt.Errorf("symbols: %s has no symbol table and is not a test binary that could be rebuilt with one; build with -ldflags=-s=false", exe)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var first error
	for _, b := range build.variants(opts.CoverMode) {
		t, err := b.rebuildTable(ctx, opts.Go)
		if err == nil {
			return t, nil
		}
		if first == nil {
			first = err
		}
		if !errors.Is(err, errMoved) || ctx.Err() != nil {
			break
		}
	}
	if errors.Is(first, errMoved) && slices.Contains(build.flags, "-cover") {
		first = fmt.Errorf("%w; a test binary built with -coverpkg does not record which packages it names, and neither the package alone nor every package of the main module was it: go test -coverpkg=... -ldflags='-s=false -w=false' keeps the names in the binary, with no rebuild", first)
	}
	return nil, first
}

// errMoved is the error of a rebuilt test binary whose variables are not
// where the running one has them.
var errMoved = errors.New("in the rebuilt test binary: its layout differs from the running one's")

// rebuildTable builds the test binary again and returns its table, if
// its layout is the running one's.
func (b testBinary) rebuildTable(ctx context.Context, goCmd string) (*Table, error) {
	rebuilt, err := b.rebuild(ctx, goCmd)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(rebuilt.dir)
	t, err := Open(rebuilt.path)
	if err != nil {
		return nil, err
	}
	t, err = verify(t, anchors())
	if err != nil {
		return nil, fmt.Errorf("%v (%w)", err, errMoved)
	}
	return t, nil
}
