package leakcheck_test

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

// fixtureParallel is how many of this package's parallel tests run at
// once when -test.parallel is not given. Each of them drives fixture
// processes (fixtureProcs bounds how many run at a time), and a fixture
// process spends most of its time in verdicts that wait out their grace:
// held to GOMAXPROCS, as -test.parallel is by default, two suites at a
// time would leave the processors idle for minutes.
const fixtureParallel = 8

func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(fixtureParallel)); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
