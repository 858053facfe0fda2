// Package ambiguous (in folder also) declares a type that prints exactly
// as ambiguous.Conn of its parent folder does: "ambiguous.Conn".
package ambiguous

// Conn prints as the other ambiguous.Conn.
type Conn struct{}
