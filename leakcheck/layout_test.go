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

// The files of the package call one another in one direction: the entry
// points (check.go, testmain.go, find.go, ...) call the verdict
// (judge.go), which calls what it is made of (grace.go, paths.go,
// names.go, sites.go, report.go), and no call runs back up into a file
// that a chain of calls left. A cycle among files fails this test, with
// the calls that make it. Calls are told by name: a function, or a
// method whose name only one file declares.
func TestNoCallRunsBackUpIntoAFileItLeft(t *testing.T) {
	fset, parsed := packageSources(t)
	funcs := map[string]string{}     // function name -> its file
	methods := map[string][]string{} // method name -> the files that declare one
	for name, f := range parsed {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fd.Recv == nil {
					funcs[fd.Name.Name] = name
				} else if !slices.Contains(methods[fd.Name.Name], name) {
					methods[fd.Name.Name] = append(methods[fd.Name.Name], name)
				}
			}
		}
	}
	calls := map[string]map[string]string{} // file -> file -> the first call seen
	for name, f := range parsed {
		imported := map[string]bool{}
		for _, im := range f.Imports {
			p := strings.Trim(im.Path.Value, `"`)
			if im.Name != nil {
				imported[im.Name.Name] = true
			} else {
				imported[p[strings.LastIndexByte(p, '/')+1:]] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var to, callee string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				to, callee = funcs[fn.Name], fn.Name
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && imported[x.Name] {
					return true
				}
				if in := methods[fn.Sel.Name]; len(in) == 1 {
					to, callee = in[0], fn.Sel.Name
				}
			}
			if to == "" || to == name {
				return true
			}
			if calls[name] == nil {
				calls[name] = map[string]string{}
			}
			if _, seen := calls[name][to]; !seen {
				calls[name][to] = fset.Position(call.Pos()).String() + " calls " + callee
			}
			return true
		})
	}
	// A depth-first walk finds a cycle if there is one.
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var walk func(string) bool
	walk = func(file string) bool {
		state[file] = onPath
		path = append(path, file)
		next := make([]string, 0, len(calls[file]))
		for to := range calls[file] {
			next = append(next, to)
		}
		slices.Sort(next)
		for _, to := range next {
			switch state[to] {
			case onPath:
				cycle := append(path[slices.Index(path, to):], to)
				var why []string
				for i := 0; i+1 < len(cycle); i++ {
					why = append(why, "  "+calls[cycle[i]][cycle[i+1]])
				}
				t.Errorf("calls run back up: %s\n%s", strings.Join(cycle, " -> "), strings.Join(why, "\n"))
				return true
			case unseen:
				if walk(to) {
					return true
				}
			}
		}
		path = path[:len(path)-1]
		state[file] = done
		return false
	}
	names := make([]string, 0, len(parsed))
	for name := range parsed {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if state[name] == unseen && walk(name) {
			return
		}
	}
}

// packageSources parses the package's files, but its tests, by name.
func packageSources(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	parsed := map[string]*ast.File{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		parsed[name] = f
	}
	if len(parsed) < 10 {
		t.Fatalf("%d files read: the test reads the wrong folder", len(parsed))
	}
	return fset, parsed
}
