package leakcheck_test

import (
	"go/ast"
	"go/token"
	"slices"
	"testing"
)

// The package's state is in state.go, and only there: a package
// variable anywhere else fails this test. The tables that are computed
// once and only read after are the exceptions that state.go names.
func TestPackageStateIsInStateGo(t *testing.T) {
	readOnly := []string{"hiddenFrames", "testedPrefixes"}
	fset, parsed := packageSources(t)
	found := 0
	for name, f := range parsed {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					switch {
					case id.Name == "_":
					case name == "state.go":
						found++
					case !slices.Contains(readOnly, id.Name):
						t.Errorf("%s: package variable %s outside state.go: move it there, with why it must be global", fset.Position(id.Pos()), id.Name)
					}
				}
			}
		}
	}
	if found == 0 {
		t.Error("state.go declares no variable: the test reads the wrong files")
	}
}
