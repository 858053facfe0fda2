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
