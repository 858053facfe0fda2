package leakcheck_test

import (
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goTest runs go test on a fixture package and returns its exit code and
// output.
func goTest(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"test"}, args...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("go test %v: %v\n%s", args, err, out)
	return 0, ""
}

// The clean suite: parallel tests, table-driven parallel subtests sharing
// one closure, a chain of 100 objects released by cleanups and a million
// objects made and dropped. It must pass every time.
func TestFixtureCleanSuitePasses(t *testing.T) {
	code, out := goTest(t, "-count=3", "./testdata/clean")
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, out, "leakcheck:")
}

// The leaky suite: one parallel test keeps an object, its parallel
// siblings do not. Exactly the leaking test fails, every time, with a
// report that says where the object was made.
func TestFixtureOnlyTheLeakingParallelTestFails(t *testing.T) {
	const runs = 5
	code, out := goTest(t, "-race", "-count=5", "./testdata/leaky")
	require.Equal(t, 1, code, out)
	fails := regexp.MustCompile(`--- FAIL: (\S+)`).FindAllStringSubmatch(out, -1)
	require.Len(t, fails, runs, out)
	for _, f := range fails {
		assert.Equal(t, "TestLeaksInParallel", f[1])
	}
	assert.Equal(t, runs, strings.Count(out, "leakcheck: 1 tracked object outlived TestLeaksInParallel (1 type)"))
	assert.Contains(t, out, "leaky.TestLeaksInParallel (leaky/leaky_test.go:45)")
	assert.Contains(t, out, `bundles: "kept by the cache"`)
}
