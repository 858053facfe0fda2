package gotest

import "os"

// LongEnv names the environment variable that turns on the long runs of
// the fixture drivers: with LongEnv=1 (make test-long, which CI runs),
// every fixture runs as many times as its driver says (twenty rounds or
// processes, so that a verdict that holds only most of the time shows);
// without it (make test) each runs in one process of at most two rounds,
// which is enough to see a verdict that is wrong every time, in a test
// suite a developer runs often.
const LongEnv = "OBJTRACK_TEST_LONG"

// Long reports whether the long runs are on. Call it (and Rounds) while a
// test runs, not to initialize a package variable: go test caches a
// test's result with the environment variables that the test read, and
// reads before the tests start are not seen.
func Long() bool { return os.Getenv(LongEnv) == "1" }

// Rounds returns n in the long runs, and at most short otherwise.
func Rounds(n, short int) int {
	if Long() {
		return n
	}
	return min(n, short)
}
