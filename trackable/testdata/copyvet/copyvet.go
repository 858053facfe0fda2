// Package copyvet copies a tracked struct: go vet must report it.
package copyvet

import "github.com/objtrack/objtrack/trackable"

type Conn struct {
	trackable.Trackable
	Addr string
}

func Duplicate(c *Conn) *Conn {
	d := *c
	return &d
}
