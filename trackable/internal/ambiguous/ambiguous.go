// Package ambiguous declares a type whose bare name clashes with one in
// the tests of package trackable.
package ambiguous

// Conn shares its bare name with trackable_test.Conn.
type Conn struct{}
