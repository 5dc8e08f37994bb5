//go:build ignore

// gen writes locales/DOMAIN.LANG.json from source/DOMAIN.tsv.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	files, _ := filepath.Glob("source/*.tsv")
	langs := []string{"fr", "de", "nl", "en"}
	for _, f := range files {
		domain := strings.TrimSuffix(filepath.Base(f), ".tsv")
		data, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		var rows [][]string
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "//") {
				line = ""
			}
			rows = append(rows, strings.Split(line, "\t"))
		}
		out := map[string]map[string]any{}
		for _, l := range langs {
			out[l] = map[string]any{}
		}
		for i, row := range rows {
			if row[0] == "key" || strings.TrimSpace(row[0]) == "" {
				continue
			}
			if len(row) != 5 {
				panic(fmt.Sprintf("%s line %d: %d columns, want 5: %q", f, i+1, len(row), row))
			}
			key, plural, _ := strings.Cut(row[0], "#")
			for j, l := range langs {
				text := row[j+1]
				if text == "" {
					panic(fmt.Sprintf("%s line %d: no %s text for %s", f, i+1, l, key))
				}
				if plural != "" {
					m, _ := out[l][key].(map[string]string)
					if m == nil {
						m = map[string]string{}
					}
					m[plural] = text
					out[l][key] = m
				} else {
					out[l][key] = text
				}
			}
		}
		for _, l := range langs {
			keys := make([]string, 0, len(out[l]))
			for k := range out[l] {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			b.WriteString("{\n")
			for i, k := range keys {
				kb, _ := json.Marshal(k)
				vb, _ := json.Marshal(out[l][k])
				fmt.Fprintf(&b, "  %s: %s", kb, vb)
				if i < len(keys)-1 {
					b.WriteString(",")
				}
				b.WriteString("\n")
			}
			b.WriteString("}\n")
			name := filepath.Join("locales", domain+"."+l+".json")
			if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
				panic(err)
			}
		}
	}
}
