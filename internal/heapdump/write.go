package heapdump

import (
	"os"
	"runtime/debug"
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
	debug.WriteHeapDump(f.Fd())
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}
