package leakcheck_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/internal/testsupport/gotest"
)

// The clean suite: parallel tests, table-driven parallel subtests sharing
// one closure, a chain of 100 objects released by cleanups and a million
// objects made and dropped. It must pass every time (three times under
// make test-long, once under make test).
func TestFixtureCleanSuitePasses(t *testing.T) {
	t.Parallel()
	code, out := gotest.Run(t, fmt.Sprintf("-count=%d", gotest.Rounds(3, 1)), "./testdata/clean")
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, out, "leakcheck:")
}

// The leaky suite: one parallel test keeps an object, its parallel
// siblings do not; one of two parallel subtests sharing a closure keeps
// an object. Exactly the leaking test and the leaking subtest fail (and
// the subtest's parent, as package testing fails the parent of a failed
// subtest), every time, with reports that say where the objects were
// made.
func TestFixtureOnlyTheLeakingParallelTestFails(t *testing.T) {
	t.Parallel()
	runs := gotest.Rounds(5, 2)
	code, out := gotest.Run(t, "-race", fmt.Sprintf("-count=%d", runs), "-parallel=4", "./testdata/leaky")
	require.Equal(t, 1, code, out)
	fails := regexp.MustCompile(`--- FAIL: (\S+)`).FindAllStringSubmatch(out, -1)
	require.Len(t, fails, 3*runs, out)
	failed := map[string]int{}
	for _, f := range fails {
		failed[f[1]]++
	}
	assert.Equal(t, map[string]int{"TestLeaksInParallel": runs, "TestSharedClosureLeaks": runs, "TestSharedClosureLeaks/#01": runs}, failed)
	assert.Equal(t, runs, strings.Count(out, "leakcheck: 1 tracked object outlived TestSharedClosureLeaks/#01 (1 type)"))
	assert.Contains(t, out, `bundles: "kept by one of the subtests"`)
	assert.Equal(t, runs, strings.Count(out, "leakcheck: 1 tracked object outlived TestLeaksInParallel (1 type)"))
	assert.Contains(t, out, "leaky.TestLeaksInParallel (leaky/leaky_test.go:45)")
	assert.Contains(t, out, `bundles: "kept by the cache"`)
}
