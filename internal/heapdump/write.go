package heapdump

import (
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
)

// Write writes a heap dump of the running process into a new file in dir
// (os.TempDir() when dir is "") and returns the file's path. The caller
// removes the file.
//
// debug.WriteHeapDump stops the world while it writes: about a second per
// 200 MB of heap. The dump holds every allocated object, garbage included
// until a collection frees it; run runtime.GC first for a dump of the
// live heap alone.
func Write(dir string) (path string, err error) {
	f, err := os.CreateTemp(dir, "heapdump-*.dump")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	written.Add(1)
	debug.WriteHeapDump(f.Fd())
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// WriteTemp writes a heap dump of the running process into a temporary
// file and returns it open, at its start, for reading, with the function
// that closes and removes it. Where the system allows it (not on
// Windows), the file loses its name at once: a process killed while it
// writes or reads the dump (a go test -timeout) leaves nothing behind,
// where a dump can take as much disk as the heap.
func WriteTemp() (f *os.File, done func(), err error) {
	f, err = os.CreateTemp("", "heapdump-*.dump")
	if err != nil {
		return nil, nil, err
	}
	name := f.Name()
	if runtime.GOOS != "windows" && os.Remove(name) == nil {
		name = ""
	}
	done = func() {
		f.Close()
		if name != "" {
			os.Remove(name)
		}
	}
	written.Add(1)
	debug.WriteHeapDump(f.Fd())
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		done()
		return nil, nil, err
	}
	return f, done, nil
}

// written counts the heap dumps that this process has written.
var written atomic.Int64

// Written returns the number of heap dumps that this process has written:
// for the tests and benchmarks that pin how many a verdict takes.
func Written() int64 { return written.Load() }
