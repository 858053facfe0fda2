//go:build objtrack_fixture_testmain

package unchecked

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
