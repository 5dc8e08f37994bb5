// The layout of the code, as docs/architecture.md draws it: the domain
// packages hold types, validation and pure rules, built on the standard
// library and on each other only; storage, the web, mail and the command
// line come on top of them, never inside.
package internal_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// domain lists the domain packages.
var domain = []string{"aid", "apperr", "campaign", "commune", "contact", "csvin", "diagnostic", "funding", "invite", "maturity",
	"outreach", "person", "plan", "sessions", "skill", "staff", "training"}

// noIO are standard packages a domain package must not import: the
// database, the network and processes belong to the layers on top.
var noIO = []string{"database/sql", "net", "net/http", "net/smtp", "os/exec"}

func TestDomainPackagesStayPure(t *testing.T) {
	for _, pkg := range domain {
		files, err := filepath.Glob(filepath.Join(pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files: %v", pkg, err)
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
				switch {
				case strings.HasPrefix(p, "vitrine/internal/"):
					if dep := strings.TrimPrefix(p, "vitrine/internal/"); !slices.Contains(domain, dep) {
						t.Errorf("%s imports %s: a domain package builds on the domain only", f, p)
					}
				case strings.Contains(first, "."):
					t.Errorf("%s imports %s: a domain package needs no outside module", f, p)
				case slices.Contains(noIO, p):
					t.Errorf("%s imports %s: no I/O in a domain package", f, p)
				}
			}
		}
	}
}
