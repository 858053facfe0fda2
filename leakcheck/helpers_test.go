package leakcheck_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
	"github.com/objtrack/objtrack/trackable"
)

// Conn and Session are the tracked types of these tests.
type Conn struct {
	trackable.Trackable
	Addr string
}

type Session struct {
	trackable.Trackable
	ID int
}

//go:noinline
func dial(addr string) *Conn {
	c := trackable.Track(&Conn{Addr: addr})
	c.SetDataBundle(addr)
	return c
}

// cache keeps objects alive on purpose, as a leaky program would.
var cache struct {
	sync.Mutex
	conns []*Conn
}

func keep(c *Conn) {
	cache.Lock()
	defer cache.Unlock()
	cache.conns = append(cache.conns, c)
}

func dropCache() {
	cache.Lock()
	defer cache.Unlock()
	cache.conns = nil
}

// fakeT is a TestingT whose verdict the test can read.
type fakeT struct {
	name     string
	mu       sync.Mutex
	cleanups []func()
	errors   []string
	logs     []string
	failed   bool
}

func newFakeT(name string) *fakeT { return &fakeT{name: name} }

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return f.name }
func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
	f.failed = true
}
func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// finish runs the cleanups last-in first-out, as package testing does.
func (f *fakeT) finish() {
	for {
		f.mu.Lock()
		if len(f.cleanups) == 0 {
			f.mu.Unlock()
			return
		}
		fn := f.cleanups[len(f.cleanups)-1]
		f.cleanups[len(f.cleanups)-1] = nil
		f.cleanups = f.cleanups[:len(f.cleanups)-1]
		f.mu.Unlock()
		fn()
	}
}

func (f *fakeT) errorText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.errors, "\n")
}

// fakeM runs a function as the test suite.
type fakeM func() int

func (m fakeM) Run() int { return m() }

// normalize replaces what changes from run to run in a report.
func normalize(report string) string { return golden.NormalizeReport(report) }

func keepAlive(xs ...any) { runtime.KeepAlive(xs) }
