// Package typename is how objtrack names types, in one place: in
// reports, and in the type names that options and matchers take, which
// it checks against the types of the program (program.go).
package typename

import "reflect"

// Full returns a type's name with its full import path:
// "example.com/db.Conn". Types without a package (built-in or unnamed)
// keep their usual name.
func Full(t reflect.Type) string {
	if t.Name() == "" || t.PkgPath() == "" {
		return t.String()
	}
	return t.PkgPath() + "." + t.Name()
}

// Matches reports whether name names type t: its bare name ("Conn"), its
// name qualified by package ("db.Conn") or its full name
// ("example.com/db.Conn").
func Matches(t reflect.Type, name string) bool {
	return name != "" && (name == t.String() || name == Full(t) || (t.Name() != "" && name == t.Name()))
}
