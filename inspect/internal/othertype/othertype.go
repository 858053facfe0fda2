// Package othertype holds a type whose bare name, Conn, is also the name
// of a type in inspect's tests: with both counted, "Conn" is ambiguous,
// which is what the tests of type= need.
package othertype

import "github.com/objtrack/objtrack/trackable"

// Conn is a tracked type named like inspect_test.Conn.
type Conn struct{ trackable.Trackable }
