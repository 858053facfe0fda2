package leakcheck

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/objtrack/objtrack/internal/display"
	"github.com/objtrack/objtrack/internal/settle"

	"go.uber.org/goleak"
)

// Option changes how a verdict is reached or reported. Options are made by
// the functions of this package.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// allowance lets up to max objects of a type survive.
type allowance struct {
	name   string
	max    int
	reason string
}

type config struct {
	ignore        []string
	allow         []allowance
	stacks        bool
	goroutines    bool
	goleakOptions []goleak.Option
	budget        time.Duration
	cleanup       func(exitCode int)
	evenIfFailed  bool
	reportFile    string
	maxShown      int
	paths         bool  // retention paths of survivors (paths.go)
	pathsHeap     int64 // the live heap above which paths are skipped
	grace         time.Duration
	within        *Framework // the framework whose Judge finishes the verdict (framework.go)
}

// ReportFileEnv names the environment variable that VerifyTestMain reads
// for the path of its JSON report, when no ReportFile option is given.
const ReportFileEnv = "OBJTRACK_LEAKCHECK_REPORT"

// PathsEnv names the environment variable that turns retention paths off,
// as WithoutPaths does, without changing the code (for a CI job that only
// wants the verdict): "off", "0", "false" or "no", in any case. With
// "untyped", a path names its root but lists the objects after it by
// size, as Go expressions need the binary's DWARF to be written: to
// compare with, or where a path reads wrong.
const PathsEnv = "OBJTRACK_LEAKCHECK_PATHS"

// pathsOffByEnv reports whether PathsEnv turns paths off.
func pathsOffByEnv() bool {
	switch pathsByEnv() {
	case "off", "0", "false", "no":
		return true
	}
	return false
}

// pathsUntypedByEnv reports whether PathsEnv asks for untyped paths.
func pathsUntypedByEnv() bool { return pathsByEnv() == "untyped" }

func pathsByEnv() string { return strings.ToLower(strings.TrimSpace(os.Getenv(PathsEnv))) }

// GraceEnv names the environment variable that sets the grace (see
// Grace) where no Grace option is given, without changing the code: a
// duration such as "100ms", or "0" for none (for a CI job that wants a
// failing suite to fail fast).
const GraceEnv = "OBJTRACK_LEAKCHECK_GRACE"

// graceByEnv returns the grace that GraceEnv sets, or the default.
func graceByEnv() time.Duration {
	v := strings.TrimSpace(os.Getenv(GraceEnv))
	if v == "" {
		return DefaultGrace
	}
	d, err := time.ParseDuration(v)
	if v == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		panic(fmt.Sprintf("leakcheck: %s=%q is not a grace: write a duration such as 100ms or 1s, or 0 for none", GraceEnv, v))
	}
	return d
}

// Grace sets how long after a test what it started may still run before
// it is judged: a goroutine that ends, a timer that fires and lets go of
// what its function holds. The default, DefaultGrace, is goleak's: its
// back-off of 20 looks, a microsecond doubling up to 100 ms, about 0.43
// s. A verdict waits only while something of the test is left: a test
// whose objects are all freed and whose goroutines have all ended is
// judged at once. 0 judges at once. Grace panics if d is negative.
func Grace(d time.Duration) Option {
	if d < 0 {
		panic(fmt.Sprintf("leakcheck: Grace(%v): the grace must be 0 or more", d))
	}
	return optionFunc(func(c *config) { c.grace = d })
}

func buildConfig(opts []Option) *config {
	c := &config{
		grace:      graceByEnv(),
		stacks:     true,
		goroutines: true,
		budget:     settle.Budget,
		maxShown:   display.Objects,
		paths:      !pathsOffByEnv(),
		pathsHeap:  DefaultPathsHeapLimit,
		reportFile: os.Getenv(ReportFileEnv),
	}
	for _, o := range opts {
		if o == nil {
			panic("leakcheck: nil Option: pass options made by the leakcheck package, such as leakcheck.IgnoreTypes(\"Conn\")")
		}
		o.apply(c)
	}
	return c
}

// IgnoreTypes leaves the named types out of the verdict: their survivors
// are counted in the report's "ignored" section, never as leaks. A name
// is "Conn", "db.Conn" or "example.com/db.Conn", and must name a type of
// the program: one that names none fails the verdict that takes it
// (Check's test, VerifyTestMain's run; Find returns an error), with the
// close names that the program has, so that a typo cannot pass unseen in
// any run. A type that no object of was made is no typo: the name is
// good in a run of one test as in the whole run. A name applies to the
// types of the verdict's survivors that it names, whatever ran before: a
// name that names two of them fails the verdict, asking for the full
// name, and a failing report lists the names that matched none of its
// survivors.
func IgnoreTypes(names ...string) Option {
	for _, n := range names {
		if n == "" {
			panic("leakcheck: IgnoreTypes(\"\"): name a tracked type, such as \"Conn\" or \"db.Conn\"")
		}
	}
	return optionFunc(func(c *config) { c.ignore = append(c.ignore, names...) })
}

// Allow lets up to max objects of the named type survive, for pools and
// caches that keep objects on purpose. The report repeats reason next to
// the count. More than max survivors are all reported as leaks. Names are
// resolved as for IgnoreTypes. Allow panics if max is negative or
// typeName is empty.
func Allow(typeName string, max int, reason string) Option {
	if typeName == "" {
		panic("leakcheck: Allow(\"\", ...): name a tracked type, such as \"Conn\" or \"db.Conn\"")
	}
	if max < 0 {
		panic(fmt.Sprintf("leakcheck: Allow(%q, %d, ...): the allowance must be 0 or more", typeName, max))
	}
	return optionFunc(func(c *config) { c.allow = append(c.allow, allowance{typeName, max, reason}) })
}

// WithoutStacks stops recording where each object was made. Track gets a
// little cheaper, and reports list serials and bundles without creation
// sites. Which test an object belongs to does not depend on it.
func WithoutStacks() Option {
	return optionFunc(func(c *config) { c.stacks = false })
}

// WithoutGoroutines turns off the check for leaked goroutines: they are
// not reported. A Check still waits for its test's goroutines to end (a
// few tries over about half a second) before it judges objects, which
// they may hold.
func WithoutGoroutines() Option {
	return optionFunc(func(c *config) { c.goroutines = false })
}

// GoroutineOptions passes options to go.uber.org/goleak
// (goleak.IgnoreTopFunction, goleak.IgnoreAnyFunction, ...): goroutines
// that they ignore are not reported by VerifyTestMain, Find or Check.
// goleak's options can only be applied by goleak, so a Check whose test
// leaves goroutines running asks goleak about them, once for each stack:
// when the options ignore them all, the verdict goes on at once, without
// waiting out its grace for them; when they do not, goleak's own retries
// (about half a second) are the grace's first pauses.
func GoroutineOptions(opts ...goleak.Option) Option {
	return optionFunc(func(c *config) { c.goleakOptions = append(c.goleakOptions, opts...) })
}

// Budget bounds the time that a verdict waits for cleanups after a
// collection (30 seconds by default). Settling stops when the garbage
// collector reaches a fixed point, not when time runs out: the budget only
// turns a cleanup that blocks forever into a clear failure instead of a
// hang. Give it room: a budget shorter than the cleanups of the test's
// objects take to run (a million objects under -race take seconds) makes
// them look blocked. Budget panics if d is not positive.
func Budget(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("leakcheck: Budget(%v): the budget must be positive", d))
	}
	return optionFunc(func(c *config) { c.budget = d })
}

// Cleanup sets a function that VerifyTestMain calls with the exit code
// just before the process exits.
func Cleanup(f func(exitCode int)) Option {
	return optionFunc(func(c *config) { c.cleanup = f })
}

// EvenIfFailed checks for leaks even when the tests already failed. By
// default a test that failed (or whose subtest failed), or a run that
// failed, is not checked, and nothing more is printed about it: its
// objects often survive because the test stopped halfway, and the
// failure that stopped it is what to read.
func EvenIfFailed() Option {
	return optionFunc(func(c *config) { c.evenIfFailed = true })
}

// ReportFile makes VerifyTestMain write its report as JSON to path, for CI
// to keep. If path is a directory, or ends with a path separator (the
// directory is then made), the report goes to a file in it named after
// the package ("example.com_db.json"), so that `go test ./...`, which runs
// each package's tests in a process of its own, keeps one per package.
// The environment variable OBJTRACK_LEAKCHECK_REPORT does the same
// without changing the code.
func ReportFile(path string) Option {
	return optionFunc(func(c *config) { c.reportFile = path })
}

// MaxShown sets how many serials and bundles the report lists for each
// creation site, and how many ids for the leaked goroutines of each
// stack, before "and N more" (5 by default). MaxShown panics if n is less
// than 1.
func MaxShown(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("leakcheck: MaxShown(%d): show at least 1", n))
	}
	return optionFunc(func(c *config) { c.maxShown = n })
}

// WithoutPaths turns off retention paths: a failing report says what
// survived and where it was made, not what holds it. Paths cost nothing
// on a verdict that passes; on one that fails, a heap dump of the process
// and a search of it: about 2.5 s and 150 MB of memory for 200 MB of live
// heap in objects of a hundred bytes or so, several times that for the
// same heap in 16-byte objects (the cost follows the number of objects).
func WithoutPaths() Option {
	return optionFunc(func(c *config) { c.paths = false })
}

// DefaultPathsHeapLimit is the live heap above which a failing verdict
// skips retention paths, unless PathsHeapLimit says otherwise: 256 MiB,
// which keeps a failing verdict's paths within seconds whatever the heap
// is made of.
const DefaultPathsHeapLimit = 256 << 20

// PathsHeapLimit sets the live heap, in bytes, above which a failing
// verdict skips retention paths and says so in its report, so that a huge
// test binary never waits on a heap dump of its whole heap. Finding the
// paths takes about the heap's size again in memory. PathsHeapLimit
// panics if bytes is not positive.
func PathsHeapLimit(bytes int64) Option {
	if bytes <= 0 {
		panic(fmt.Sprintf("leakcheck: PathsHeapLimit(%d): the limit must be positive; use WithoutPaths to turn paths off", bytes))
	}
	return optionFunc(func(c *config) { c.pathsHeap = bytes })
}

// artifactsKept reports whether go test runs with -artifacts, which
// keeps what tests write: without it, the artifact directory is removed
// with the test, and a path to it would lead nowhere.
func artifactsKept() bool {
	f := flag.Lookup("test.artifacts")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	on, _ := g.Get().(bool)
	return on
}
