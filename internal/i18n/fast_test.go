package i18n

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"text/template"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// reference is what T showed before the fast path: go-i18n's localizer,
// asked directly, a missing key shown as itself.
func reference(c *Catalog, lang, key string, data map[string]any) string {
	s, err := goi18n.NewLocalizer(c.bundle, lang, Default).Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil && s == "" {
		return key
	}
	return s
}

// pairs turns data into T's name/value arguments, in a fixed order.
func pairs(data map[string]any) []any {
	names := make([]string, 0, len(data))
	for k := range data {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []any
	for _, k := range names {
		out = append(out, k, data[k])
	}
	return out
}

type stringer int

func (s stringer) String() string { return fmt.Sprintf("niveau<%d>&", int(s)) }

type ptrStringer struct{ n int }

func (p *ptrStringer) String() string { return "pointer" }

type valueError string

func (e valueError) Error() string { return "erreur: " + string(e) }

type panicky int

func (panicky) String() string { panic("boom") }

type level int // no method: printed as its number

// rawTexts reads the catalogue's JSON files the plain way: for each
// language and key, its texts (one, or one per plural form), and whether
// the message is plural.
func rawTexts(t *testing.T) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		b, err := locales.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(f, err)
		}
		parts := strings.Split(f, ".")
		lang := parts[len(parts)-2]
		if out[lang] == nil {
			out[lang] = map[string][]string{}
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				out[lang][k] = []string{v}
			case map[string]any:
				for _, form := range []string{"zero", "one", "two", "few", "many", "other"} {
					if s, ok := v[form].(string); ok {
						out[lang][k] = append(out[lang][k], s)
					}
				}
				out[lang][k] = append(out[lang][k], "plural")
			default:
				t.Fatalf("%s %s: %T", f, k, v)
			}
		}
	}
	return out
}

var (
	actionRe = regexp.MustCompile(`{{.*?}}`)
	nameRe   = regexp.MustCompile(`\.([\pL_][\pL\pN_]*)`)
	simpleRe = regexp.MustCompile(`^{{ *\.[A-Za-z_][A-Za-z0-9_]* *}}$`)
)

// placeholders lists the names texts use, and whether every action is a
// plain {{.Name}}.
func placeholders(texts []string) (names []string, simple bool) {
	simple = true
	for _, s := range texts {
		for _, a := range actionRe.FindAllString(s, -1) {
			if !simpleRe.MatchString(a) {
				simple = false
			}
			for _, m := range nameRe.FindAllStringSubmatch(a, -1) {
				if !slices.Contains(names, m[1]) {
					names = append(names, m[1])
				}
			}
		}
	}
	return names, simple
}

// valueSets give each placeholder name a value; the last two hold values
// the fast path leaves to go-i18n (a pointer, nil).
var valueSets = []struct {
	name     string
	value    func(i int, name string) any
	fastOnly bool // every message with plain placeholders must take the fast path
}{
	{"strings", func(i int, name string) any { return `<b>&"é ` + name + ` {{.X}}` }, true},
	{"ints", func(i int, _ string) any { return i*37 - 5 }, true},
	{"floats", func(i int, _ string) any {
		return []float64{24.3, 0.1 + 0.2, 1e21, -0.0, 1e-7, 100, math.Inf(1), math.NaN(), -12.5}[i%9]
	}, true},
	{"stringer", func(i int, _ string) any { return stringer(i + 1) }, true},
	{"mixed", func(i int, name string) any {
		vs := []any{"é", 3, 2.5, stringer(4), int64(-9), uint8(7), true, valueError("x<y"), []string{"a", "b"},
			struct{ A, B int }{1, 2}, level(3), 90 * time.Minute, ptrStringer{5}, map[string]int{"k": 1}, panicky(0)}
		return vs[i%len(vs)]
	}, true},
	{"pointers", func(i int, _ string) any { return &ptrStringer{i} }, false},
	{"nil", func(int, string) any { return nil }, false},
}

// For every key of every language of the catalogue, T (map and pairs) shows
// what go-i18n shows, and the fast path takes every message that is not
// plural and has only {{.Name}} actions.
func TestFastPathMatchesGoI18n(t *testing.T) {
	c := MustLoad()
	raw := rawTexts(t)
	total, plural, eligible, fast := 0, 0, 0, 0
	for _, lang := range Langs {
		l := c.For(lang)
		if len(raw[lang]) != len(c.Keys(lang)) {
			t.Fatalf("%s: %d keys read, %d in the catalogue", lang, len(raw[lang]), len(c.Keys(lang)))
		}
		for _, key := range c.Keys(lang) {
			texts := raw[lang][key]
			isPlural := texts[len(texts)-1] == "plural"
			names, simple := placeholders(texts)
			total++
			if isPlural {
				plural++
			}
			wantFast := !isPlural && simple
			if wantFast {
				eligible++
			}
			if _, ok := l.table[key]; ok != wantFast {
				t.Errorf("%s %s: in the fast table %v, want %v (%q)", lang, key, ok, wantFast, texts)
			}
			tookFast := false
			for _, vs := range valueSets {
				data := map[string]any{}
				for i, n := range names {
					data[n] = vs.value(i, n)
				}
				want := reference(c, lang, key, data)
				if got := l.T(key, data); got != want {
					t.Errorf("%s %s %s (map): %q, want %q", lang, key, vs.name, got, want)
				}
				if got := l.T(key, pairs(data)...); got != want {
					t.Errorf("%s %s %s (pairs): %q, want %q", lang, key, vs.name, got, want)
				}
				got, ok := l.fast(key, []any{data})
				if ok && got != want {
					t.Errorf("%s %s %s: fast path %q, want %q", lang, key, vs.name, got, want)
				}
				if vs.fastOnly && ok != wantFast {
					t.Errorf("%s %s %s: fast path taken %v, want %v", lang, key, vs.name, ok, wantFast)
				}
				if !vs.fastOnly && ok && len(names) > 0 {
					t.Errorf("%s %s %s: fast path taken with a value it should leave", lang, key, vs.name)
				}
				tookFast = tookFast || ok
			}
			if tookFast {
				fast++
			}
		}
	}
	t.Logf("catalogue: %d messages in %d languages, %d plural; %d take the fast path (%.1f%%), %d eligible",
		total, len(Langs), plural, fast, 100*float64(fast)/float64(total), eligible)
	if fast != eligible || fast < total*9/10 {
		t.Errorf("fast path for %d of %d messages, %d eligible", fast, total, eligible)
	}
	if m := c.Missing(); len(m) > 0 {
		t.Errorf("missing keys: %v", m)
	}
}

// The bundle language the fast path reads for each language is the one
// go-i18n reports using.
func TestResolveTagMatchesGoI18n(t *testing.T) {
	for name, c := range map[string]*Catalog{"embedded": MustLoad(), "small": smallCatalog(t)} {
		for _, lang := range Langs {
			key := "both" // in French and German
			if name == "embedded" {
				key = "common.and"
			}
			_, tag, err := goi18n.NewLocalizer(c.bundle, lang, Default).LocalizeWithTag(&goi18n.LocalizeConfig{MessageID: key})
			if err != nil {
				t.Fatal(err)
			}
			if got := resolveTag(c.bundle, lang); got != tag {
				t.Errorf("%s %s: %v, go-i18n uses %v", name, lang, got, tag)
			}
		}
	}
}

// A catalogue in French and German only, German lacking some keys.
var smallFS = fstest.MapFS{
	"l/core.fr.json": {Data: []byte(`{
		"hello": "Bonjour {{.Name}} !",
		"both": "fr {{.Name}} et {{.Age}}",
		"empty_de": "Vide {{.Name}}",
		"only_fr_value": "{{.Name}}",
		"de_slow": "fr {{.Name}}",
		"de_plural": "fr {{.Name}}",
		"spaces": "{{ .Name }}+{{\t.Name\n\t}}+{{.Name}}",
		"plain": "a }} b <no value>",
		"pipe": "{{.Name | printf \"%q\"}}",
		"if": "{{if .Name}}oui{{else}}non{{end}}",
		"trim": "a {{- .Name}}",
		"trim_right": "a {{.Name -}} b",
		"nested": "{{.A.B}}",
		"comment": "a{{/* c */}}b",
		"dot": "{{.}}",
		"variable": "{{$x := .Name}}{{$x}}",
		"define": "{{define \"x\"}}y{{end}}z",
		"paren": "{{(.Name)}}",
		"broken": "{{.Name",
		"delims": {"leftDelim": "<<", "rightDelim": ">>", "other": "<<.Name>>"},
		"plural": {"one": "{{.Name}} un", "other": "{{.Name}} plusieurs"}
	}`)},
	"l/core.de.json": {Data: []byte(`{
		"both": "de {{.Name}} und {{.Age}}",
		"empty_de": "",
		"de_slow": "de {{.Name | printf \"%s\"}}",
		"de_plural": {"one": "de {{.Name}}", "other": "de {{.Name}}s"}
	}`)},
}

var smallFast = map[string]bool{"hello": true, "both": true, "empty_de": true, "only_fr_value": true, "de_slow": true, "de_plural": true, "spaces": true, "plain": true}

func smallCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := LoadFS(smallFS, "l")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFastPathSmallCatalogue(t *testing.T) {
	c := smallCatalog(t)
	keys := append(c.Keys("fr"), "nowhere")
	datas := []map[string]any{
		{"Name": `<b>&"é`, "Age": 42},
		{"Name": "", "Age": 0.5},
		{"Name": stringer(2)},     // Age missing: <no value>
		{},                        // nothing
		{"Name": &ptrStringer{1}}, // a pointer: go-i18n
		{"Name": nil, "Age": nil},
	}
	for _, lang := range Langs { // nl and en have no file: French
		l := c.For(lang)
		for _, key := range keys {
			_, inTable := l.table[key]
			wantTable := smallFast[key]
			if lang == "de" && (key == "de_slow" || key == "de_plural") {
				wantTable = false // German has its own message, which go-i18n must show
			}
			if inTable != wantTable {
				t.Errorf("%s %s: in the fast table %v, want %v", lang, key, inTable, wantTable)
			}
			for _, data := range datas {
				want := reference(c, lang, key, data)
				if got := l.T(key, data); got != want {
					t.Errorf("%s %s %v (map): %q, want %q", lang, key, data, got, want)
				}
				if got := l.T(key, pairs(data)...); got != want {
					t.Errorf("%s %s %v (pairs): %q, want %q", lang, key, data, got, want)
				}
			}
		}
	}
	de := c.For("de")
	for _, tt := range []struct {
		key  string
		args []any
		want string
	}{
		{"hello", []any{"Name", "Anna"}, "Bonjour Anna !"}, // French, German lacks it
		{"empty_de", []any{"Name", "Anna"}, "Vide Anna"},   // an empty text counts as absent
		{"both", []any{map[string]any{"Name": "A", "Age": 3}}, "de A und 3"},
		{"both", []any{"Name", "A", "Age", 3, "Name", "B"}, "de B und 3"}, // the last pair wins
		{"both", []any{"Name", "A", 7, "x", "Age", 3}, "de A und 3"},      // a name that is no string is skipped
		{"both", []any{"Name", "A"}, "de A und <no value>"},
		{"both", []any{"Name"}, "de <no value> und <no value>"},
		{"spaces", []any{"Name", 1.5}, "1.5+1.5+1.5"},
		{"de_slow", []any{"Name", "x"}, "de x"},
		{"pipe", []any{"Name", "x"}, `"x"`},
		{"if", []any{"Name", ""}, "non"},
		{"nowhere", nil, "nowhere"},
		{"only_fr_value", []any{"Name", "v"}, "v"},
		{"only_fr_value", []any{"Name", ""}, "only_fr_value"}, // French and empty: go-i18n reports an error, a missing key
		{"broken", []any{"Name", "x"}, "broken"},
	} {
		if got := de.T(tt.key, tt.args...); got != tt.want {
			t.Errorf("de %s %v: %q, want %q", tt.key, tt.args, got, tt.want)
		}
	}
	// Missing: the key found nowhere, the text go-i18n cannot parse, and
	// French texts that came out empty in another language (Name "").
	if got, want := c.Missing(), []string{"broken", "delims", "nowhere", "only_fr_value", "paren", "variable"}; !slices.Equal(got, want) {
		t.Errorf("missing %v, want %v", got, want)
	}
	if got := c.For("fr").T("only_fr_value", "Name", ""); got != "" {
		t.Errorf("French empty value: %q", got) // its own language: no error, an empty text
	}
}

// A value prints as text/template prints it from a map[string]any.
func TestAppendValueMatchesTemplate(t *testing.T) {
	tmpl := template.Must(template.New("").Option("missingkey=default").Parse("{{.V}}"))
	r := rand.New(rand.NewPCG(1, 2))
	values := []any{"", "é<>&", 0, -1, math.MaxInt64, math.MinInt64, int64(5), int32(-5), int8(3), uint(7),
		uint64(math.MaxUint64), uint16(9), uintptr(11), 0.0, -0.0, 1.0, 0.1, 1e20, 1e21, 1e-4, 1e-5, 123456789.0,
		math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64, float32(0.1),
		float32(1e21), complex(1, 2), true, false, stringer(1), level(4), valueError("e"), ptrStringer{2},
		[]int{1, 2}, map[string]int{"a": 1}, struct{ S string }{"s"}, time.Second, time.Date(2027, 3, 17, 0, 0, 0, 0, time.UTC),
		[]byte("bytes"), errors.New("pointer error"), &ptrStringer{1}, new(int), (*int)(nil), nil, make(chan int), func() {}, panicky(1)}
	for range 2000 {
		values = append(values, math.Float64frombits(r.Uint64()), r.NormFloat64()*math.Pow(10, float64(r.IntN(40)-20)), r.Int64()-r.Int64())
	}
	for _, v := range values {
		got, ok := appendValue(nil, v)
		var want strings.Builder
		err := tmpl.Execute(&want, map[string]any{"V": v})
		if !ok {
			continue // left to go-i18n
		}
		if err != nil || string(got) != want.String() {
			t.Errorf("%T %v: %q, text/template %q (%v)", v, v, got, want.String(), err)
		}
	}
	for _, v := range []any{&ptrStringer{1}, new(int), (*int)(nil), nil, make(chan int), func() {}, errors.New("e")} {
		if _, ok := appendValue(nil, v); ok {
			t.Errorf("%T: the fast path prints it, it should leave it to go-i18n", v)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, src := range []string{
		"{{.Name | printf \"%q\"}}", "{{if .X}}a{{end}}", "{{range .X}}a{{end}}", "{{with .X}}a{{end}}",
		"a {{- .X}}", "{{.X -}} a", "{{.A.B}}", "{{/* c */}}", "{{.}}", "{{$}}", "{{$x := .X}}", "{{(.X)}}",
		"{{.X .Y}}", "{{print .X}}", "{{len .X}}", "{{\"s\"}}", "{{1}}", "{{nil}}", "{{define \"x\"}}y{{end}}",
		"{{block \"x\" .}}y{{end}}", "{{template \"x\"}}", "{{.X", "{{.X}}{{", "{{}}", "{{break}}",
	} {
		if c := compile(src); c != nil {
			t.Errorf("%q compiled to %v", src, c.parts)
		}
	}
	for src, want := range map[string][]part{
		"plain":                  {{text: "plain"}},
		"a }} b":                 {{text: "a }} b"}},
		"{{.A}}":                 {{text: "A", field: true}},
		"x{{ .A }}y{{.B_2}}z":    {{text: "x"}, {text: "A", field: true}, {text: "y"}, {text: "B_2", field: true}, {text: "z"}},
		"{{.Été}}\n{{\t.A\r\n}}": {{text: "Été", field: true}, {text: "\n"}, {text: "A", field: true}},
	} {
		c := compile(src)
		if c == nil || !slices.Equal(c.parts, want) {
			t.Errorf("%q: %v, want %v", src, c, want)
		}
	}
}
