package heapdump

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// liveMemory reads the memory of this process, which wrote the dump, for
// the values that a path's expression shows and the dump does not keep
// (the keys of maps, whose objects the graph holds only the pointers
// of). It reads /proc/self/mem, where an address that is not mapped is an
// error rather than a fault, so a value that changed since the dump
// cannot crash the program; off Linux it reads nothing. What it reads is
// checked against the dump by the caller: the memory may have changed.
type liveMemory struct {
	file *os.File
	// exec are the executable's mappings (its read-only data, where the
	// bytes of a string literal are).
	exec [][2]uint64
}

// openLiveMemory returns the reader, or nil where the process's memory
// cannot be read.
func openLiveMemory() *liveMemory {
	if runtime.GOOS != "linux" {
		return nil
	}
	f, err := os.Open("/proc/self/mem")
	if err != nil {
		return nil
	}
	return &liveMemory{file: f, exec: executableMappings()}
}

func (m *liveMemory) close() {
	if m != nil {
		m.file.Close()
	}
}

// read returns the n bytes at addr.
func (m *liveMemory) read(addr uint64, n int) ([]byte, bool) {
	if m == nil || n < 0 || addr > 1<<62 {
		return nil, false
	}
	b := make([]byte, n)
	if k, err := m.file.ReadAt(b, int64(addr)); err != nil || k != n {
		return nil, false
	}
	return b, true
}

// inExecutable reports whether [addr, addr+n) is in a mapping of the
// executable's file.
func (m *liveMemory) inExecutable(addr, n uint64) bool {
	for _, r := range m.exec {
		if addr >= r[0] && addr+n <= r[1] && addr+n >= addr {
			return true
		}
	}
	return false
}

// executableMappings reads, from /proc/self/maps, the address ranges
// that map the executable's file.
func executableMappings() [][2]uint64 {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][2]uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || strings.Join(fields[5:], " ") != exe {
			continue
		}
		start, end, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		s, err1 := strconv.ParseUint(start, 16, 64)
		e, err2 := strconv.ParseUint(end, 16, 64)
		if err1 == nil && err2 == nil {
			out = append(out, [2]uint64{s, e})
		}
	}
	return out
}
