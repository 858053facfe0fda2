package typename

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// The types of the program: a name given to an option or a matcher is
// checked against them, so that a typo is an error at once, whatever ran
// before, while the name of a real type that nothing has tracked yet is
// not one. What ran before cannot change the answer: the linker decided
// it.
//
// The list starts from the runtime's typelinks (typelinks.go), which hold
// the pointer type of every type that can be tracked, since Track takes a
// pointer, and goes on to every type that those reach: elements, keys,
// fields, parameters, results and the methods of interfaces. So a type is
// missed only if the program uses it in none of these ways (a type used
// only as a value put in an interface); a type that no code uses at all
// is not in the binary, and no object of it can be made.

// maxClose is how many close names a hint offers: enough for a typo, and
// no more, so that the message stays short in a large program.
const maxClose = 5

// programTypes indexes the program's types by their bare name (unnamed
// types by their string), with the named ones listed for suggestions.
type programTypes struct {
	byKey  map[string][]reflect.Type
	named  []reflect.Type
	byAddr map[uintptr]reflect.Type // by the address of the type's descriptor
}

// program is built once, on first use: the program's types do not change
// while it runs (a plugin opened later is not seen).
var program = sync.OnceValue(func() *programTypes { return indexTypes(linkedTypes()) })

// ByAddress returns the type of the program whose descriptor is at addr
// (the type word of an interface value that holds it), if the program's
// types reach it (see above); false for any other address, so that a
// word read from memory is made a type only if it is one.
func ByAddress(addr uintptr) (reflect.Type, bool) {
	t, ok := program().byAddr[addr]
	return t, ok
}

// descriptor returns the address of t's descriptor: the data word of the
// interface value t, which holds the *rtype that package reflect made
// from the descriptor's address.
func descriptor(t reflect.Type) uintptr {
	return uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1])
}

// indexTypes indexes roots and every type they reach.
func indexTypes(roots []reflect.Type) *programTypes {
	p := &programTypes{byKey: map[string][]reflect.Type{}, byAddr: map[uintptr]reflect.Type{}}
	seen := make(map[reflect.Type]bool, 2*len(roots))
	todo := slices.Clone(roots)
	for len(todo) > 0 {
		t := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if t == nil || seen[t] {
			continue
		}
		seen[t] = true
		p.byAddr[descriptor(t)] = t
		key := t.Name()
		if key == "" {
			key = t.String()
		} else {
			p.named = append(p.named, t)
		}
		p.byKey[key] = append(p.byKey[key], t)
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
			todo = append(todo, t.Elem())
		case reflect.Map:
			todo = append(todo, t.Key(), t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				todo = append(todo, t.Field(i).Type)
			}
		case reflect.Func:
			for i := range t.NumIn() {
				todo = append(todo, t.In(i))
			}
			for i := range t.NumOut() {
				todo = append(todo, t.Out(i))
			}
		case reflect.Interface:
			// The methods of an interface are its own; those of other
			// types are not followed, since reflect would build a type
			// for each of them.
			for i := range t.NumMethod() {
				todo = append(todo, t.Method(i).Type)
			}
		}
	}
	return p
}

// bare returns the bare name in name: what follows its last dot outside
// the brackets of type arguments ("Conn" of "example.com/db.Conn", and
// "Pool[example.com/x.T]" of "db.Pool[example.com/x.T]").
func bare(name string) string {
	depth := 0
	for i := len(name) - 1; i >= 0; i-- {
		switch name[i] {
		case ']':
			depth++
		case '[':
			depth--
		case '.':
			if depth == 0 {
				return name[i+1:]
			}
		}
	}
	return name
}

// has reports whether name names one of p's types, as Matches says.
func (p *programTypes) has(name string) bool {
	for _, key := range []string{bare(name), name} {
		for _, t := range p.byKey[key] {
			if Matches(t, name) {
				return true
			}
		}
	}
	return false
}

// InProgram reports whether name names a type of the program ("Conn",
// "db.Conn" or "example.com/db.Conn", as Matches takes them), tracked or
// not. Where the types cannot be listed (see Listed) it reports true: no
// name can be known to be wrong.
func InProgram(name string) bool {
	return !Listed || program().has(name)
}

// PointerName says whether name names a pointer to a type of the program
// ("*db.Conn"), and returns the name without the star. Tracked objects
// are named by the type they point to, so an option or a matcher given
// such a name would match none: the caller refuses it, with the name to
// write instead.
func PointerName(name string) (elem string, ok bool) {
	elem, ok = strings.CutPrefix(name, "*")
	return elem, ok && InProgram(elem)
}

// Unknown says whether name names no type of the program, and if so, a
// hint for the message that says so: the names that the program has
// closest to it (the same bare name in another package, else names 1 or
// 2 edits away), only those of types for which prefer is true (the types
// that can be tracked) if there are any, or else what a name looks like.
// A caller writes `...(%q) names no type of the program; ` + hint.
// prefer may be nil.
func Unknown(name string, prefer func(reflect.Type) bool) (hint string, unknown bool) {
	if InProgram(name) {
		return "", false
	}
	near := program().near(name, prefer)
	if len(near) == 0 {
		return `name a type that the program has, as "Conn", "db.Conn" or "example.com/db.Conn" (the linker leaves out a type that no code of the program uses)`, true
	}
	quoted := make([]string, len(near))
	for i, c := range near {
		quoted[i] = fmt.Sprintf("%q", c)
	}
	if len(quoted) == 1 {
		return "did you mean " + quoted[0] + "?", true
	}
	return "did you mean " + strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1] + "?", true
}

// near returns the names, as a message shows them, of the named types
// closest to name, at most maxClose of them: of the candidates, those
// that prefer likes if any, and of those, the ones at the least distance.
func (p *programTypes) near(name string, prefer func(reflect.Type) bool) []string {
	// A name is compared with the same form of each type's name: bare,
	// qualified by package, or full.
	form := func(t reflect.Type) string { return t.Name() }
	b := bare(name)
	if qualifier := strings.TrimSuffix(name, "."+b); qualifier != name {
		form = reflect.Type.String
		if strings.ContainsAny(qualifier, "/.") {
			form = Full
		}
	}
	type candidate struct {
		t        reflect.Type
		distance int
	}
	var found []candidate
	for _, t := range p.named {
		d := 0 // the same bare name in another package
		if t.Name() != b {
			if d = distance(name, form(t), 2); d > 2 {
				continue
			}
		}
		found = append(found, candidate{t, d})
	}
	if prefer != nil && slices.ContainsFunc(found, func(c candidate) bool { return prefer(c.t) }) {
		found = slices.DeleteFunc(found, func(c candidate) bool { return !prefer(c.t) })
	}
	least := slices.MinFunc(append(found, candidate{distance: 3}), func(x, y candidate) int { return cmp.Compare(x.distance, y.distance) }).distance
	var out []string
	for _, c := range found {
		if s := p.shown(c.t); c.distance == least && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out[:min(len(out), maxClose)]
}

// shown names t for a message: qualified by package ("db.Conn"), or by
// its full path when another type of the program prints the same.
func (p *programTypes) shown(t reflect.Type) string {
	for _, u := range p.byKey[t.Name()] {
		if u != t && u.String() == t.String() {
			return Full(t)
		}
	}
	return t.String()
}

// distance returns the edit distance between a and b (insertions,
// deletions and substitutions of bytes), or limit+1 if it is more than
// limit.
func distance(a, b string, limit int) int {
	if len(a)-len(b) > limit || len(b)-len(a) > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		least := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			least = min(least, cur[j])
		}
		if least > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit+1)
}
