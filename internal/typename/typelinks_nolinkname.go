//go:build objtrack_nolinkname

package typename

import "reflect"

// Listed reports whether the program's types can be listed: not in this
// build, so a name that names no tracked type may still name a type of
// the program, and callers resolve names against the types tracked so
// far, as they did before the listing: such a name counts 0, typo or not.
const Listed = false

func linkedTypes() []reflect.Type { return nil }
