package heapdump

// The constants of the format, as runtime/heapdump.go writes them (the
// file of the Go installation is the only authority on the format; it is
// read here as of Go 1.26).

// header opens every dump.
const header = "go1.7 heap dump\n"

// Record tags: each record starts with one, as a uvarint.
const (
	tagEOF             = 0
	tagObject          = 1
	tagOtherRoot       = 2
	tagType            = 3
	tagGoroutine       = 4
	tagStackFrame      = 5
	tagParams          = 6
	tagFinalizer       = 7
	tagItab            = 8
	tagOSThread        = 9
	tagMemStats        = 10
	tagQueuedFinalizer = 11
	tagData            = 12
	tagBSS             = 13
	tagDefer           = 14
	tagPanic           = 15
	tagMemProf         = 16
	tagAllocSample     = 17
)

// Field kinds in the lists of pointer fields that follow an object, a
// stack frame or a segment. The runtime writes only fieldKindPtr since
// Go 1.5; the interface kinds are read for completeness, as two words
// that may both be pointers.
const (
	fieldKindEnd   = 0
	fieldKindPtr   = 1
	fieldKindIface = 2
	fieldKindEface = 3
)

// pageSize is the runtime's page size, the same on every platform: spans,
// and so runs of objects of one size, start and end on page boundaries.
const pageSize = 8192

// waitReasonDumpingHeap is the wait reason of the goroutine that called
// debug.WriteHeapDump while it writes the dump.
const waitReasonDumpingHeap = "dumping heap"

// statusNames names the goroutine states of runtime/runtime2.go.
var statusNames = [...]string{
	0:  "idle",
	1:  "runnable",
	2:  "running",
	3:  "syscall",
	4:  "waiting",
	5:  "moribund",
	6:  "dead",
	7:  "enqueue",
	8:  "copystack",
	9:  "preempted",
	10: "leaked",
	11: "dead",
}

// statusName names a goroutine state; the scan bit (0x1000), set while
// the garbage collector scans a stack, is dropped.
func statusName(status uint64) string {
	status &^= 0x1000
	if status < uint64(len(statusNames)) {
		return statusNames[status]
	}
	return "unknown state"
}
