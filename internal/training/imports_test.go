package training

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package a domain package: the standard library,
// apperr and the other pure domain packages it builds on, nothing that
// stores, serves or comes from outside.
func TestImports(t *testing.T) {
	allowed := []string{"vitrine/internal/apperr", "vitrine/internal/funding", "vitrine/internal/person",
		"vitrine/internal/csvin", "vitrine/internal/skill"}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(p, "/")
			if !slices.Contains(allowed, p) && (strings.Contains(first, ".") || first == "vitrine") {
				t.Errorf("%s imports %s: only the standard library and %v are allowed", f, p, allowed)
			}
		}
	}
}
