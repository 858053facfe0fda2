// Package fuzzing pins what Check(f) judges in a fuzz target without
// -fuzz: the seed corpus, both ways. (Under -fuzz: package fuzzworker.)
package fuzzing

import (
	"testing"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct{ trackable.Trackable }

var kept []*Conn

func FuzzCleanParse(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Add([]byte("bc"))
	f.Fuzz(func(t *testing.T, b []byte) { trackable.Track(&Conn{}) })
}

func FuzzLeakKeeps(f *testing.F) {
	leakcheck.Check(f)
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, b []byte) { kept = append(kept, trackable.Track(&Conn{})) })
}
