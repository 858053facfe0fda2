package main

import (
	"os"
	"os/exec"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/golden"
)

// TestMain runs the program itself when the test re-executes its own
// binary: serial numbers then start at 1, as in a fresh `make demo`.
func TestMain(m *testing.M) {
	if os.Getenv("QUICKSTART_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestQuickstartOutput(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "QUICKSTART_RUN_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quickstart failed: %v\n%s", err, out)
	}
	golden.Assert(t, "examples/quickstart.golden", out)
}
