package leakcheck

import (
	"reflect"
	"testing"
	"unsafe"
)

// Package testing keeps every cleanup function that already ran in the
// spare capacity of its slice of cleanups (it shortens the slice without
// clearing what it drops), and keeps parallel subtests in their parent
// until the parent ends. The closures of those cleanups, and the objects
// they captured (the connection that `t.Cleanup(c.Close)` closed), stay
// reachable until the test is gone, which is after its verdict. No API
// releases them, so releaseRanCleanups clears those slots: it is the one
// place where leakcheck depends on package testing's unexported fields,
// and TestTestingKeepsItsCleanupsWhereLeakcheckLooks fails if a Go
// release moves them.

// releaseRanCleanups clears the slots of the cleanups that already ran in
// t and in the subtests it keeps. It does nothing if t is not a
// *testing.T or *testing.B, or if the fields are not where it expects.
func releaseRanCleanups(t any) {
	v := reflect.ValueOf(t)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	switch t.(type) {
	case *testing.T, *testing.B:
	default:
		return
	}
	releaseSlots(v.Elem())
}

func releaseSlots(common reflect.Value) {
	cleanups := common.FieldByName("cleanups")
	if cleanups.Kind() != reflect.Slice || cleanups.Type().Elem().Kind() != reflect.Func || !cleanups.CanAddr() {
		return
	}
	// A writable view of the unexported field: the cleanups that ran are
	// in cap beyond len, and only this goroutine touches them now (the
	// test and its subtests have ended, and its cleanups run on it).
	s := reflect.NewAt(cleanups.Type(), unsafe.Pointer(cleanups.UnsafeAddr())).Elem()
	ran := s.Slice(s.Len(), s.Cap())
	for i := range ran.Len() {
		ran.Index(i).SetZero()
	}
	sub := common.FieldByName("sub")
	if sub.Kind() != reflect.Slice {
		return
	}
	for i := range sub.Len() {
		if p := sub.Index(i); p.Kind() == reflect.Pointer && !p.IsNil() {
			releaseSlots(p.Elem())
		}
	}
}

// testingFieldsFound reports whether releaseRanCleanups finds the fields it
// needs in package testing: for the test that guards it.
func testingFieldsFound() bool {
	c := reflect.ValueOf(&testing.T{}).Elem()
	cleanups, sub := c.FieldByName("cleanups"), c.FieldByName("sub")
	return cleanups.Kind() == reflect.Slice && cleanups.Type().Elem().Kind() == reflect.Func &&
		sub.Kind() == reflect.Slice && sub.Type().Elem() == reflect.TypeFor[*testing.T]()
}

// parentTest returns the test of which t is a subtest, or nil: package
// testing keeps it in t's unexported field parent, a pointer to the
// common part of the parent, which a *testing.T starts with. It returns
// nil where the fields are not where it expects (a later Go release), and
// TestTestingKeepsItsParentWhereLeakcheckLooks fails then.
func parentTest(t *testing.T) *testing.T {
	if t == nil || !parentFieldFound() {
		return nil
	}
	p := reflect.ValueOf(t).Elem().FieldByName("parent")
	if p.IsNil() {
		return nil
	}
	return (*testing.T)(p.UnsafePointer())
}

// parentFieldFound reports whether a *testing.T keeps its parent where
// parentTest reads it: a field parent that points to the type of the
// first field of testing.T, which is at offset 0.
func parentFieldFound() bool {
	typ := reflect.TypeFor[testing.T]()
	if typ.NumField() == 0 || typ.Field(0).Offset != 0 || !typ.Field(0).Anonymous {
		return false
	}
	f, ok := typ.FieldByName("parent")
	return ok && f.Type.Kind() == reflect.Pointer && f.Type.Elem() == typ.Field(0).Type && len(f.Index) == 2 && f.Index[0] == 0
}
