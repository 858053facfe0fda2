package cgo

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestCleanCallback(t *testing.T) {
	leakcheck.Check(t)
	for range 100 {
		if c := Dial(); c == nil {
			t.Fatal("no Conn from the callback")
		}
	}
}

func TestCleanCallbackUnchecked(t *testing.T) {
	for range 100 {
		Dial()
	}
}

func TestCleanCallbackOnThread(t *testing.T) {
	leakcheck.Check(t)
	for range 20 {
		if c := DialOnThread(); c == nil {
			t.Fatal("no Conn from the callback")
		}
	}
}

func TestLeakCallback(t *testing.T) {
	leakcheck.Check(t)
	Keep(Dial())
}

func TestMainLeakUnchecked(t *testing.T) {
	Keep(Dial())
}

// The Conn that the callback makes on C's thread belongs to no test: the
// test passes, and VerifyTestMain reports the Conn.
func TestMainLeakOnThread(t *testing.T) {
	leakcheck.Check(t)
	Keep(DialOnThread())
}
