//go:build leaky

package leaky

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestCachedConnections(t *testing.T) {
	leakcheck.Check(t)
	for _, addr := range []string{"10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.3:5432"} {
		if c := Cached(addr); c.Addr != addr {
			t.Fatalf("Cached(%q) = %q", addr, c.Addr)
		}
	}
}

func TestUnclosedStatement(t *testing.T) {
	leakcheck.Check(t)
	s := Prepare("SELECT * FROM users")
	if s.Query == "" {
		t.Fatal("empty query")
	}
	// Forgot: defer s.Close()
	closed := Prepare("SELECT 1")
	closed.Close()
}

func TestWatcherGoroutine(t *testing.T) {
	leakcheck.Check(t)
	Watch(Dial("10.0.0.9:6379"), make(chan struct{})) // nobody closes stop
}

func TestNoLeak(t *testing.T) {
	leakcheck.Check(t)
	for range 100 {
		Dial("10.0.0.4:5432")
	}
}
