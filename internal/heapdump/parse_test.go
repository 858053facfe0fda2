package heapdump

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// writeDump writes a dump of this process, removed when the test ends.
// The heap is collected first: the garbage of earlier tests (and of
// earlier runs with -count) would make dumps larger and larger.
func writeDump(t testing.TB) string {
	t.Helper()
	runtime.GC()
	return writeDumpAsIs(t)
}

// writeDumpAsIs writes a dump without collecting the heap first.
func writeDumpAsIs(t testing.TB) string {
	t.Helper()
	path, err := Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// addrOf is the address of what p points to, as a dump gives it.
func addrOf[T any](p *T) uint64 { return uint64(uintptr(unsafe.Pointer(p))) }

// parseProbe is an object whose contents and pointer words are known.
type parseProbe struct {
	a uint64
	p *int
	b uint64
	q *int
}

var parseProbeGlobal *parseProbe

func TestParseOwnDump(t *testing.T) {
	x := 7
	probe := &parseProbe{a: 0x1122334455667788, p: &x, b: 42, q: nil}
	parseProbeGlobal = probe
	t.Cleanup(func() { parseProbeGlobal = nil })
	d, err := ParseFile(writeDump(t))
	if err != nil {
		t.Fatal(err)
	}

	p := d.Params
	if p.PtrSize != int(unsafe.Sizeof(uintptr(0))) || p.GOARCH != runtime.GOARCH || p.GoVersion != runtime.Version() || p.NumCPU != runtime.NumCPU() {
		t.Errorf("params %+v, want this process's", p)
	}
	if a := addrOf(probe); a < p.ArenaStart || a >= p.ArenaEnd {
		t.Errorf("the probe at %#x is outside the heap [%#x, %#x)", a, p.ArenaStart, p.ArenaEnd)
	}

	i := slices.IndexFunc(d.Objects, func(o Object) bool { return o.Addr == addrOf(probe) })
	if i < 0 {
		t.Fatalf("no object at the probe's address %#x among %d objects", addrOf(probe), len(d.Objects))
	}
	o := d.Objects[i]
	want := unsafe.Slice((*byte)(unsafe.Pointer(probe)), unsafe.Sizeof(*probe))
	if uint64(len(o.Contents)) != sizeClass(unsafe.Sizeof(*probe)) || !bytes.Equal(o.Contents[:len(want)], want) {
		t.Errorf("probe contents %x, want %x", o.Contents, want)
	}
	if ptrs := []uint64{uint64(unsafe.Offsetof(probe.p)), uint64(unsafe.Offsetof(probe.q))}; !slices.Equal(o.Pointers, ptrs) {
		t.Errorf("probe pointers at %v, want %v", o.Pointers, ptrs)
	}

	slot := addrOf(&parseProbeGlobal)
	seg := d.BSS
	if slot < seg.Addr || slot >= seg.Addr+uint64(len(seg.Contents)) {
		t.Fatalf("parseProbeGlobal at %#x is not in the bss segment [%#x, +%d)", slot, seg.Addr, len(seg.Contents))
	}
	off := slot - seg.Addr
	if !slices.Contains(seg.Pointers, off) {
		t.Errorf("the bss segment's pointers miss parseProbeGlobal's offset %d", off)
	}
	if got := readWord(seg.Contents[off:], p.PtrSize, binary.NativeEndian); got != addrOf(probe) {
		t.Errorf("parseProbeGlobal holds %#x in the dump, want %#x", got, addrOf(probe))
	}

	var writer *Goroutine
	for i := range d.Goroutines {
		if d.Goroutines[i].WaitReason == waitReasonDumpingHeap {
			writer = &d.Goroutines[i]
		}
	}
	if writer == nil {
		t.Fatal("no goroutine is dumping the heap")
	}
	if !slices.ContainsFunc(writer.Frames, func(f Frame) bool { return strings.HasSuffix(f.Func, ".TestParseOwnDump") }) {
		t.Errorf("the writer's frames miss TestParseOwnDump: %v", frameNames(writer))
	}
	for k, f := range writer.Frames {
		if f.Depth != uint64(k) || len(f.Contents) == 0 || f.Func == "" {
			t.Errorf("frame %d: depth %d, %d bytes, function %q", k, f.Depth, len(f.Contents), f.Func)
		}
	}
	if d.MemStats == nil || d.MemStats.HeapInuse == 0 || d.MemStats.NumGC == 0 && d.MemStats.PauseTotalNs != 0 {
		t.Errorf("memory statistics %+v", d.MemStats)
	}
	if len(d.Threads) == 0 || len(d.Types) == 0 || len(d.Itabs) == 0 {
		t.Errorf("%d threads, %d types, %d itabs", len(d.Threads), len(d.Types), len(d.Itabs))
	}
	runtime.KeepAlive(probe)
}

func frameNames(g *Goroutine) []string {
	var names []string
	for _, f := range g.Frames {
		names = append(names, f.Func)
	}
	return names
}

// TestRoundTrip re-encodes a parsed dump and parses it again: the parser
// reads every field, and reads each where the runtime writes it.
func TestRoundTrip(t *testing.T) {
	d, err := ParseFile(writeDump(t))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(bytes.NewReader(encode(d)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, again) {
		t.Error("the dump parsed again differs from the first parse")
	}
}

// TestGraphMatchesDump checks the Graph's objects against Parse's.
func TestGraphMatchesDump(t *testing.T) {
	path := writeDump(t)
	d, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ReadGraphFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if g.NumObjects() != len(d.Objects) {
		t.Fatalf("graph has %d objects, dump %d", g.NumObjects(), len(d.Objects))
	}
	for _, o := range d.Objects {
		size := uint64(len(o.Contents))
		for _, a := range []uint64{o.Addr, o.Addr + size/2, o.Addr + size - 1} {
			if start, n, ok := g.ObjectAt(a); !ok || start != o.Addr || n != size {
				t.Fatalf("ObjectAt(%#x) = %#x, %d, %v; want the object at %#x of %d bytes", a, start, n, ok, o.Addr, size)
			}
		}
	}
	if !reflect.DeepEqual(g.Dump().Goroutines, d.Goroutines) || !reflect.DeepEqual(g.Dump().Data, d.Data) {
		t.Error("the graph's roots differ from the dump's")
	}
}

// smallDump is a real dump of this process cut down to a few records of
// each kind: a few kilobytes that tests parse thousands of times.
func smallDump(t testing.TB) []byte {
	t.Helper()
	d, err := ParseFile(writeDump(t))
	if err != nil {
		t.Fatal(err)
	}
	return encode(shrink(d))
}

// unsized hides the size of a reader from the parser.
type unsized struct{ io.Reader }

// parseAll runs every entry point on data; it is what the malformed
// input tests and the fuzz test require not to panic.
func parseAll(t testing.TB, data []byte) (dumpErr, graphErr error) {
	_, dumpErr = Parse(bytes.NewReader(data))
	_, unsizedErr := Parse(unsized{bytes.NewReader(data)})
	if (dumpErr == nil) != (unsizedErr == nil) {
		t.Fatalf("Parse: %v with the size known, %v without", dumpErr, unsizedErr)
	}
	g, graphErr := ReadGraph(bytes.NewReader(data))
	if graphErr == nil {
		var targets []uint64
		for _, g := range g.Dump().Goroutines {
			for _, f := range g.Frames {
				targets = append(targets, f.SP, f.PC)
			}
		}
		targets = append(targets, g.Dump().Data.Addr, g.Dump().Params.ArenaStart)
		for _, p := range g.Paths(targets, SearchOptions{}) {
			_ = p.RootText()
		}
	}
	return dumpErr, graphErr
}

func TestTruncatedDumps(t *testing.T) {
	data := smallDump(t)
	if len(data) > 64<<10 {
		t.Fatalf("the small dump has %d bytes", len(data))
	}
	if _, err := parseAll(t, data); err != nil {
		t.Fatalf("the small dump does not parse: %v", err)
	}
	// Every byte of the first records and of the last, every eleventh
	// in between: each prefix must fail, saying that the dump ends early.
	for n := 0; n < len(data); n++ {
		if n > 400 && n%11 != 0 && n < len(data)-64 {
			continue
		}
		dumpErr, graphErr := parseAll(t, data[:n])
		for _, err := range []error{dumpErr, graphErr} {
			var fe *FormatError
			if !errors.As(err, &fe) || (n >= len(header) && !errors.Is(err, io.ErrUnexpectedEOF)) {
				t.Fatalf("cut at %d of %d bytes: %v, want a FormatError for an early end", n, len(data), err)
			}
		}
	}
}

func TestFlippedBytes(t *testing.T) {
	data := smallDump(t)
	rng := rand.New(rand.NewPCG(1, 2))
	flipped := make([]byte, len(data))
	for range 600 {
		copy(flipped, data)
		for range 1 + rng.IntN(3) {
			flipped[rng.IntN(len(flipped))] ^= byte(1 + rng.IntN(255))
		}
		dumpErr, _ := parseAll(t, flipped)
		var fe *FormatError
		if dumpErr != nil && !errors.As(dumpErr, &fe) {
			t.Fatalf("Parse returned %T %v, want a *FormatError", dumpErr, dumpErr)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(smallDump(f))
	f.Add([]byte(header))
	f.Add(craft(func(e *encoder) {}))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseAll(t, data)
	})
}

// craft returns a dump made of the header, a parameters record, what add
// writes, and the end record.
func craft(add func(e *encoder)) []byte {
	e := &encoder{b: []byte(header)}
	e.uint(tagParams, 0, 8, 0xc000000000, 0xc004000000)
	e.str("amd64")
	e.str("go1.26")
	e.uint(2)
	add(e)
	e.uint(tagEOF)
	return e.b
}

func TestFormatErrorsSayWhereAndWhat(t *testing.T) {
	paramsEnd := int64(len(craft(func(*encoder) {}))) - 1
	tests := []struct {
		name   string
		data   []byte
		offset int64
		says   string
	}{
		{"not a dump", []byte("GIF89a and more bytes"), 0, "not a Go heap dump"},
		{"object before params", append([]byte(header), tagObject, 1, 0, 0), int64(len(header)), "before the parameters record"},
		{"unknown record", craft(func(e *encoder) { e.uint(99) }), paramsEnd, "unknown record kind 99"},
		{"bad boolean", craft(func(e *encoder) { e.uint(tagGoroutine, 1, 2, 3, 4, 4, 2) }), paramsEnd + 6, "found 2 where a boolean"},
		{"length past the end", craft(func(e *encoder) { e.uint(tagObject, 0xc000000000, 1<<30) }), paramsEnd + 7, "a length of 1073741824 bytes, but only"},
		{"pointer outside its object", craft(func(e *encoder) {
			e.uint(tagObject, 0xc000000000)
			e.bytes(make([]byte, 16))
			e.uint(fieldKindPtr, 16, fieldKindEnd)
		}), paramsEnd + 25, "a pointer at offset 16, outside the 16 bytes"},
		{"unknown field kind", craft(func(e *encoder) {
			e.uint(tagObject, 0xc000000000)
			e.bytes(make([]byte, 16))
			e.uint(7, 0, fieldKindEnd)
		}), paramsEnd + 24, "unknown field kind 7"},
		{"frame without goroutine", craft(func(e *encoder) {
			e.uint(tagStackFrame, 1, 0, 0)
			e.bytes(nil)
			e.uint(1, 2, 3)
			e.str("main.f")
			e.uint(fieldKindEnd)
		}), paramsEnd, "a stack frame before any goroutine record"},
		{"second params", craft(func(e *encoder) { e.b = append(e.b, craft(func(*encoder) {})[len(header):paramsEnd]...) }), paramsEnd, "a second parameters record"},
		{"deep profile stack", craft(func(e *encoder) { e.uint(tagMemProf, 1, 2, 1000) }), paramsEnd + 3, "1000 frames, more than"},
		{"overlong varint", craft(func(e *encoder) {
			e.b = append(e.b, tagItab, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
		}), paramsEnd + 1, "a varint of more than 64 bits"},
		{"no end record", craft(func(e *encoder) {})[:paramsEnd], paramsEnd, "the dump ends before it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(tt.data))
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse: %v, want a *FormatError", err)
			}
			if fe.Offset != tt.offset || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "reading ") {
				t.Errorf("Parse: %v (at %d), want an error at byte %d that says what it was reading and %q", err, fe.Offset, tt.offset, tt.says)
			}
			// Without the size of its input, the parser finds some flaws
			// only at the end of it.
			_, err = Parse(unsized{bytes.NewReader(tt.data)})
			if !errors.As(err, &fe) || fe.Offset < tt.offset {
				t.Errorf("Parse of an unsized reader: %v, want a *FormatError at byte %d or later", err, tt.offset)
			}
		})
	}
}

// TestCorruptLengthsAllocateLittle: a length field that claims a huge
// object must fail without allocating it, whether the parser knows the
// size of its input or not.
func TestCorruptLengthsAllocateLittle(t *testing.T) {
	data := craft(func(e *encoder) {
		e.uint(tagObject, 0xc000000000, 1<<38)
		e.bytes(make([]byte, 3<<20)) // some bytes, far fewer than claimed
	})
	for _, r := range []func() io.Reader{
		func() io.Reader { return bytes.NewReader(data) },
		func() io.Reader { return unsized{bytes.NewReader(data)} },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse(r())
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatal("Parse accepted an object longer than the dump")
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
			t.Errorf("Parse allocated %d MB for a dump of %d MB", n>>20, len(data)>>20)
		}
	}
}

func TestWriteChoosesDirectory(t *testing.T) {
	dir := t.TempDir()
	path := writeDump(t)
	if !strings.HasPrefix(path, os.TempDir()) && !strings.HasPrefix(path, os.Getenv("TMPDIR")) {
		t.Logf("dump written to %s", path)
	}
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, dir) {
		t.Errorf("Write(%q) wrote %s", dir, path)
	}
	if _, err := Write(dir + "/missing/sub"); err == nil {
		t.Error("Write into a missing directory succeeded")
	}
}

// WriteTemp's dump reads like Write's, and leaves no file in TMPDIR, even
// while it is open.
func TestWriteTempLeavesNoFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f, done, err := WriteTemp()
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("the dump has a name while open: %v", left)
		}
	}
	g, err := ReadGraph(f)
	done()
	if err != nil {
		t.Fatal(err)
	}
	if g.NumObjects() == 0 {
		t.Error("the dump has no object")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("files left in TMPDIR: %v", left)
	}
}
