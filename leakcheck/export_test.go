package leakcheck

import (
	"io"

	"github.com/objtrack/objtrack/internal/heapdump"
)

// ReplaceExit makes VerifyTestMain record its exit code and write to w
// instead of exiting; the returned func restores both.
func ReplaceExit(code *int, w io.Writer) (restore func()) {
	oldExit, oldStderr := osExit, stderr
	osExit = func(c int) { *code = c }
	stderr = w
	return func() { osExit, stderr = oldExit, oldStderr }
}

// TestingFieldsFound exposes testingFieldsFound.
var TestingFieldsFound = testingFieldsFound

// HeapDumps returns the number of heap dumps that failing verdicts have
// written in this process.
func HeapDumps() int64 { return heapdump.Written() }

// ParentTest exposes parentTest.
var ParentTest = parentTest
