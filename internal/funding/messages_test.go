package funding

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMessages checks the catalogue rows (i18n/source/funding.tsv) against the code: every key the package
// uses has a French, German, Dutch and English text with the same
// placeholders, and the file holds no key the code no longer uses.
func TestMessages(t *testing.T) {
	data, err := os.ReadFile("../i18n/source/funding.tsv")
	if err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	inFile := map[string]bool{}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if i == 0 {
			continue // header
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			t.Errorf("line %d: %d columns, want key, fr, de, nl, en", i+1, len(cols))
			continue
		}
		key := cols[0]
		if inFile[key] {
			t.Errorf("line %d: key %s listed twice", i+1, key)
		}
		inFile[key] = true
		var want []string
		for j, text := range cols[1:] {
			if strings.TrimSpace(text) == "" || strings.Contains(text, "\t") {
				t.Errorf("%s: column %d is empty", key, j+2)
			}
			var names []string
			for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
				names = append(names, m[1])
			}
			slices.Sort(names)
			if j == 0 {
				want = names
			} else if !slices.Equal(names, want) {
				t.Errorf("%s: placeholders %v in column %d, French has %v", key, names, j+2, want)
			}
		}
	}

	used := map[string]bool{}
	literal := regexp.MustCompile(`"(funding\.[a-z_]+\.[a-z_]+)"`)
	reasonConst := regexp.MustCompile(`Reason\w+\s*=\s*"(\w+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
		for _, m := range reasonConst.FindAllStringSubmatch(string(src), -1) {
			used["funding.voucher."+m[1]] = true
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d keys in the code: the scan is broken", len(used))
	}
	for k := range used {
		if !inFile[k] {
			t.Errorf("key %s is used in the code but missing from the catalogue", k)
		}
	}
	for k := range inFile {
		if !used[k] {
			t.Errorf("key %s is in the catalogue but no longer used", k)
		}
	}
}
