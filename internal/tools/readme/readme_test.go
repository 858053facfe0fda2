// Package readme checks that the commands README.md gives work as written.
package readme

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// commands are the commands of README.md that a reader runs to see
// objtrack at work, what each must exit with, and a line of what it must
// print.
var commands = []struct {
	cmd    string
	exit   int
	output string
}{
	{"make demo", 0, "leakcheck: 3 tracked objects outlived TestCachedConnections (1 type)"},
	{"go test -tags leaky ./examples/leaky", 1, "leakcheck: 3 tracked objects outlived TestCachedConnections (1 type)"},
	{"go test -tags leaky ./examples/ginkgo -ginkgo.label-filter=leaky", 1, "leakcheck: 1 tracked object outlived a leaky caller forgets to Put a connection back (1 type)"},
	{"go test -tags leaky ./examples/watch", 1, "context.cancelCtx: 1 live"},
}

func TestReadmeCommandsWorkAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go for each command")
	}
	text, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(text)), " ") // commands wrap across lines
	for _, c := range commands {
		t.Run(c.cmd, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(readme, c.cmd) {
				t.Fatalf("README.md does not give %q any more: update this test", c.cmd)
			}
			args := strings.Fields(c.cmd)
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = "../../.."
			cmd.Env = append(os.Environ(), "GOFLAGS=-count=1")
			out, err := cmd.CombinedOutput()
			code := 0
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatalf("%s: %v", c.cmd, err)
			}
			if code != c.exit || !strings.Contains(string(out), c.output) {
				t.Errorf("%s exited with %d (want %d); want a line with %q in:\n%s", c.cmd, code, c.exit, c.output, out)
			}
		})
	}
}
