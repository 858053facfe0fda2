//go:build objtrack_fixture_testmain

// With this file, the package pins how VerifyTestMain's options name
// types, whatever tests run and in whatever order. Its options allow
// pooled Conns and ignore Pool, a type of the program that nothing
// tracks: a run of the tests below passes, and so does a run of one test
// that makes no Conn (-test.run '^TestMakesNoConn$'), where no Conn was
// ever tracked. With -misspelt=allow or -misspelt=ignore, one more option
// names a type that the program does not have, and every run fails, with
// a message that names the misspelt name and the one it misspells,
// though no test leaks.

package typenames

import (
	"flag"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

var misspelt = flag.String("misspelt", "", `"allow" or "ignore": add an option whose type name is misspelt`)

func TestMain(m *testing.M) {
	flag.Parse()
	opts := []leakcheck.Option{
		leakcheck.Allow("typenames.Conn", 5, "pooled"),
		leakcheck.IgnoreTypes("Pool"),
	}
	switch *misspelt {
	case "allow":
		opts = append(opts, leakcheck.Allow("typenames.Conm", 1, "typo"))
	case "ignore":
		opts = append(opts, leakcheck.IgnoreTypes("Sesion"))
	}
	leakcheck.VerifyTestMain(m, opts...)
}

// pool keeps Conns alive for VerifyTestMain, which allows them.
var pool fixture.Kept[*Conn]

func TestMakesNoConn(t *testing.T) {
	dropSessions()
}

func TestKeepsPooledConns(t *testing.T) {
	for i := range 3 {
		pool.Keep(trackable.Track(&Conn{ID: i}))
	}
}

func TestMakesAndDropsAConn(t *testing.T) {
	leakcheck.Check(t)
	dropConns()
}
