// Command shapes has package-level variables of the shapes that retention
// paths go through, and a closure, for the tests of package gotypes,
// which read its DWARF.
package main

import "fmt"

type Conn struct{ ID int }

type Base struct {
	id   int
	conn *Conn
}

type Cache struct {
	mu    int
	conns map[string]*Conn
	list  []*Conn
	arr   [4]*Conn
	inner struct{ c *Conn }
	any   any
	name  string
	Base
}

var (
	cache  Cache
	pcache = &Cache{}
	table  [3]Base
	conns  []*Conn
)

// capture returns a closure that captures c by value and n by
// reference.
//
//go:noinline
func capture(c *Conn) func() int {
	n := 0
	return func() int {
		n++
		return c.ID + n
	}
}

func main() { fmt.Println(&cache, pcache, &table, conns, capture(&Conn{})()) }
