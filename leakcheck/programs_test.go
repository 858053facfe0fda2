package leakcheck_test

import (
	"os/exec"
	"testing"
	"time"
)

// The program fixtures, under testdata/programs, pin leakcheck's verdicts
// on what real programs and real suites contain beyond plain Go: cgo
// callbacks, timers stopped and pending, contexts canceled, finalizers
// that block, fuzzing, and misuse of Check itself. They run as
// fixtureSuite says, each process in 3 minutes at most.
func TestPrograms(t *testing.T) {
	cases := programCases
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Log("no gcc on PATH: the cgo fixture is left out (apt-get install gcc, or set CC, to run it)")
		cases = cases[1:]
	}
	testFixtures(t, fixtureSuite{dir: "programs", cases: cases, timeout: 3 * time.Minute, perCPU: 2})
}

var programCases = []fixtureCase{
	// cgo first: TestPrograms leaves it out where there is no C compiler.
	{pkg: "cgo", runs: []fixtureRun{{
		name: "clean callbacks", run: "^TestClean", count: 20, exit: 0,
	}, {
		name: "a callback's object kept", run: "^TestLeak", count: 20, exit: 1,
		tests: map[string][]string{
			// The creation site goes on past the C frames to the test.
			"TestLeakCallback": {outlived(1, "TestLeakCallback"), `cgo\.Conn: 1 live`, `cgo\.Dial \(cgo/cgo\.go:\d+\)`, `cgo\.TestLeakCallback \(cgo/cgo_test\.go:\d+\)`},
		},
	}, {
		name: "judged by TestMain", run: "^Test(Clean|Main)", count: 1, procs: 20, exit: 1,
		stderr: []string{`(?m)^leakcheck: 1 tracked object outlived TestMain`, `cgo\.TestMainLeakUnchecked \(cgo/cgo_test\.go:\d+\)`},
	}}},
}
