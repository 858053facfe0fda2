// Package tabletest runs the simplest table test, of a function of one
// argument against a map from inputs to the results it must return, so
// that every such test reports a wrong result in one form:
// f(in) = got, want want.
package tabletest

import "testing"

// Func checks that fn(in) returns want for each in and want of cases,
// and reports every case that does not, named as name(in).
func Func[In comparable, Out comparable](t testing.TB, name string, fn func(In) Out, cases map[In]Out) {
	t.Helper()
	for in, want := range cases {
		if got := fn(in); got != want {
			t.Errorf("%s(%#v) = %#v, want %#v", name, in, got, want)
		}
	}
}
