// Package stack records where objects are made, cheaply enough to do it
// for every object: a few return addresses per object, interned by call
// path, turned into function names and file:line only when a report is
// written.
package stack

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Depth is the number of frames kept per object.
const Depth = 24

// ID names an interned call path; 0 means "not recorded".
type ID uint32

// Table interns call paths. The zero value is ready to use.
type Table struct {
	mu    sync.RWMutex
	ids   map[[Depth]uintptr]ID
	paths [][Depth]uintptr // index ID-1

	// recent holds call paths recorded before, by a hash of their frames:
	// finding a path there takes no lock and hashes only the frames it
	// has, where ids hashes all Depth of them. Most objects are made on
	// a few paths.
	recent [256]atomic.Pointer[recentPath]
}

// recentPath is a call path in Table.recent.
type recentPath struct {
	pcs []uintptr
	id  ID
}

// Record captures the call path that leads to it, starting with its
// caller and skipping skip more frames, and returns its ID. It costs a few
// nanoseconds per frame on amd64 and arm64.
//
//go:noinline
func (t *Table) Record(skip int) ID {
	var buf [Depth + 8]uintptr
	n := capture(buf[:])
	skip++ // buf[0] is Record itself
	if skip > n {
		skip = n
	}
	path := buf[skip:n]
	if len(path) > Depth {
		path = path[:Depth]
	}
	slot := &t.recent[hash(path)%uint64(len(t.recent))]
	if r := slot.Load(); r != nil && slices.Equal(r.pcs, path) {
		return r.id
	}
	id := t.intern(path)
	slot.Store(&recentPath{pcs: slices.Clone(path), id: id})
	return id
}

// intern returns the ID of path, giving it one if it has none.
func (t *Table) intern(path []uintptr) ID {
	var key [Depth]uintptr
	copy(key[:], path)
	t.mu.RLock()
	id, ok := t.ids[key]
	t.mu.RUnlock()
	if ok {
		return id
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.ids[key]; ok {
		return id
	}
	if t.ids == nil {
		t.ids = make(map[[Depth]uintptr]ID)
	}
	t.paths = append(t.paths, key)
	id = ID(len(t.paths))
	t.ids[key] = id
	return id
}

// hash mixes the return addresses of a call path (FNV-1a, a word at a
// time).
func hash(path []uintptr) uint64 {
	h := uint64(14695981039346656037)
	for _, pc := range path {
		h = (h ^ uint64(pc)) * 1099511628211
	}
	return h
}

// Frame is one resolved frame of a call path.
type Frame struct {
	Function string `json:"function"` // "example.com/db.Dial"
	File     string `json:"file"`     // full path
	Line     int    `json:"line"`
}

// Short returns the frame as a person reads it: "db.Dial (db/conn.go:42)".
func (f Frame) Short() string {
	return ShortName(f.Function) + " (" + ShortFile(f.File) + ":" + itoa(f.Line) + ")"
}

// Frames resolves a call path to frames, inlined calls included, leaving
// out frames of the runtime, of package testing and of the packages that
// report would rather not show (prefixes of function names).
func (t *Table) Frames(id ID, hide ...string) []Frame {
	if id == 0 {
		return nil
	}
	t.mu.RLock()
	path := t.paths[id-1]
	t.mu.RUnlock()
	n := 0
	for n < Depth && path[n] != 0 {
		n++
	}
	var out []Frame
	frames := runtime.CallersFrames(path[:n])
	for {
		f, more := frames.Next()
		if f.Function != "" && !hidden(f.Function, hide) {
			out = append(out, Frame{Function: f.Function, File: f.File, Line: f.Line})
		}
		if !more {
			return out
		}
	}
}

func hidden(fn string, hide []string) bool {
	if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "testing.") || isWrapper(fn) {
		return true
	}
	for _, h := range hide {
		if strings.HasPrefix(fn, h) {
			return true
		}
	}
	return false
}

// isWrapper reports whether fn is a wrapper that the compiler made for a
// go statement ("pkg.f.gowrap1") or a method value ("pkg.T.M-fm").
// runtime.Callers leaves such frames out as it unwinds; the frame-pointer
// walk finds them, and Frames leaves them out instead.
func isWrapper(fn string) bool {
	if strings.HasSuffix(fn, "-fm") {
		return true
	}
	i := strings.LastIndex(fn, ".gowrap")
	if i < 0 {
		return false
	}
	for _, c := range fn[i+len(".gowrap"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ShortName drops the import path of a function's or a type's name:
// "example.com/db.(*Conn).Close" becomes "db.(*Conn).Close",
// "example.com/db.Conn" becomes "db.Conn". The type arguments of a
// generic keep theirs: "example.com/db.Pool[example.com/x.T]" becomes
// "db.Pool[example.com/x.T]".
func ShortName(name string) string {
	plain := name
	if i := strings.IndexByte(plain, '['); i >= 0 {
		plain = plain[:i]
	}
	return name[strings.LastIndexByte(plain, '/')+1:]
}

// ShortFile keeps the last directory and the file name.
func ShortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return path
	}
	if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
		return path[j+1:]
	}
	return path
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
