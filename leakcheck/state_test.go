package leakcheck_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The package's state is in state.go, and only there: a package
// variable anywhere else fails this test. The tables that are computed
// once and only read after are the exceptions that state.go names.
func TestPackageStateIsInStateGo(t *testing.T) {
	readOnly := []string{"hiddenFrames", "testedPrefixes", "labelKey"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
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
