// Package db has a type that prints as its namesake in package
// internal/alike/also/db does: "db.Conn".
package db

import "github.com/objtrack/objtrack/trackable"

// Conn is a tracked type.
type Conn struct{ trackable.Trackable }

// New tracks a new Conn.
func New() *Conn { return trackable.Track(&Conn{}) }
