//go:build objtrack_nolinkname

package typename

import "testing"

// Without the listing no name is known to be wrong: callers fall back on
// the types tracked so far, and a made-up name is no error.
func TestWithoutTheListingEveryNameMayBeAType(t *testing.T) {
	if Listed {
		t.Fatal("Listed is true in a build without linknames")
	}
	if !InProgram("NoSuchTypeAnywhere") {
		t.Error(`InProgram("NoSuchTypeAnywhere") = false without the listing, want true`)
	}
	if hint, unknown := Unknown("NoSuchTypeAnywhere", nil); unknown {
		t.Errorf(`Unknown("NoSuchTypeAnywhere") = %q, true without the listing; want false`, hint)
	}
}
