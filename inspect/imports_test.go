package inspect_test

import (
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The package imports neither expvar nor net/http/pprof, which register
// handlers on http.DefaultServeMux when imported: a program that imports
// inspect for DumpOnSignal serves nothing it did not ask for.
func TestImportsNoPackageThatRegisters(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the imports")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/objtrack/objtrack/inspect").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for dep := range strings.FieldsSeq(string(out)) {
		if dep == "expvar" || dep == "net/http/pprof" {
			t.Errorf("inspect imports %s, which registers handlers on http.DefaultServeMux", dep)
		}
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
