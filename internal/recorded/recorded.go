// Package recorded lets package ginkgoext say where leakcheck saw the
// objects of a type made, without leakcheck exporting an API that only
// ginkgoext would call. leakcheck sets Of when it is linked in.
package recorded

import "reflect"

// Object is a live object that leakcheck recorded.
type Object struct {
	Serial uint64
	Bundle any
	// Frames is where it was made, innermost first, each as a person
	// reads it ("db.Dial (db/conn.go:42)"); empty when stacks were off.
	Frames []string
}

// Of returns the recorded live objects of type t, by serial, without
// collecting garbage first. It is nil unless leakcheck is linked in.
var Of func(t reflect.Type) []Object

// HeldBy returns, for each of the given recorded objects of type t, what
// holds it: the lines of its retention path, the root first, the object
// last ("global  db.registry", "-> 48 B object", "-> *db.Conn  serial
// 3"), found in a heap dump of the process; and a note when some part of
// the paths is unknown or they were skipped. It is nil unless leakcheck
// is linked in.
var HeldBy func(t reflect.Type, serials []uint64) (lines map[uint64][]string, note string)
