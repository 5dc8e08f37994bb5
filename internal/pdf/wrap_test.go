package pdf

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// testRenderer returns a renderer on a blank page, in the body font.
func testRenderer(t *testing.T) *renderer {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(family, "", fontRegular)
	f.AddUTF8FontFromBytes(family, "B", fontBold)
	f.SetCellMargin(0)
	f.AddPage()
	r := &renderer{f: f, content: 170, bottom: 275, widths: map[widthKey]float64{}}
	r.font("", bodySize)
	if err := f.Error(); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWrap(t *testing.T) {
	r := testRenderer(t)
	w := r.f.GetStringWidth
	const nnbsp, nbsp = "\u202f", "\u00a0"
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string // nil: only check the invariants
	}{
		{"fits", "Bonjour à tous", 100, []string{"Bonjour à tous"}},
		{"empty", "", 50, []string{""}},
		{"explicit line break", "un\ndeux", 100, []string{"un", "deux"}},
		{"empty line kept", "un\n\ndeux", 100, []string{"un", "", "deux"}},
		{"breaks at the last space that fits", "aaaa bbbb cccc", w("aaaa bbbb c"), []string{"aaaa bbbb", "cccc"}},
		{"spaces at the break are dropped", "aaaa   bbbb", w("aaaa  b"), []string{"aaaa", "bbbb"}},
		{"never at a narrow no-break space", "Total 1" + nnbsp + "234,56" + nbsp + "€", w("1"+nnbsp+"234,56"+nbsp+"€") + 0.5,
			[]string{"Total", "1" + nnbsp + "234,56" + nbsp + "€"}},
		{"never at a no-break space", "voir p." + nbsp + "12", w("voir p." + nbsp), []string{"voir", "p." + nbsp + "12"}},
		{"after a hyphen inside a word", "peut-être", w("peut-ê"), []string{"peut-", "être"}},
		{"not after a leading minus", "-12345", w("-123"), []string{"-123", "45"}},
		{"apostrophe stays in its word", "de l’établissement", w("l’établissement") + 0.1, []string{"de", "l’établissement"}},
		{"long word is cut", "anticonstitutionnellement", w("anticonstitu"), []string{"anticonstitu", "tionnelleme", "nt"}},
		{"narrower than one letter", "ab", 0.1, []string{"a", "b"}},
		{"em dash", "oui — non", w("oui —"), []string{"oui —", "non"}},
		{"long French paragraph", strings.Repeat("Les chèques-formation d’aujourd’hui coûtent 15"+nbsp+"€ à l’œuvre. ", 12), 60, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.wrap(tt.text, tt.width)
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Fatalf("wrap(%q, %.2f) = %q, want %q", tt.text, tt.width, got, tt.want)
			}
			for _, l := range got {
				if w(l) > tt.width+1e-9 && len([]rune(l)) > 1 {
					t.Errorf("line %q is %.2f mm wide, more than %.2f", l, w(l), tt.width)
				}
				if strings.HasPrefix(l, " ") || strings.HasSuffix(l, " ") {
					t.Errorf("line %q starts or ends with a space", l)
				}
			}
			if !strings.Contains(tt.text, "\n") && !strings.Contains(tt.text, "  ") {
				// Nothing but the spaces at breaks may be lost.
				if joined, orig := strings.ReplaceAll(strings.Join(got, ""), " ", ""), strings.ReplaceAll(tt.text, " ", ""); joined != orig {
					t.Errorf("lines %q lose text of %q", got, tt.text)
				}
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in  string
		multiline bool
		want      string
	}{
		{"plain", "Zoé — 12\u00a0€", true, "Zoé — 12\u00a0€"},
		{"tab", "a\tb", true, "a b"},
		{"CRLF", "a\r\nb", true, "a\nb"},
		{"newline in a one-line text", "a\nb", false, "a b"},
		{"line separator", "a\u2028b", true, "a\nb"},
		{"controls dropped", "a\x00\x07\x1bb\u0080c", true, "abc"},
		{"soft hyphen dropped", "anti\u00adconstitutionnel", true, "anticonstitutionnel"},
		{"beyond the BMP", "ok 😀 𝄞", true, "ok \ufffd \ufffd"},
		{"invalid UTF-8", "a\xffb", true, "a\ufffdb"},
		{"zero-width joiner kept", "a\u200db", true, "a\u200db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in, tt.multiline); got != tt.want {
				t.Fatalf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

var (
	fuzzRendererOnce sync.Once
	fuzzRenderer     *renderer
)

// FuzzWrap checks the text path on its own, much faster than building
// whole documents: any text, once cleaned, wraps into lines that fit and
// lose nothing but the spaces where they break.
func FuzzWrap(f *testing.F) {
	for _, s := range []string{"Zoé Lœuvre — 1\u202f234,56\u00a0€", "peut-être anticonstitutionnellement", "a\n\nb  c", "😀\x00\xff", "- -- a-b-c"} {
		f.Add(s, uint8(40))
	}
	f.Fuzz(func(t *testing.T, s string, width uint8) {
		fuzzRendererOnce.Do(func() { fuzzRenderer = testRenderer(t) })
		r := fuzzRenderer
		w := float64(width)/2 + 0.1
		text := clean(s, true)
		if !utf8.ValidString(text) {
			t.Fatalf("clean(%q) = %q is not valid UTF-8", s, text)
		}
		for _, c := range text {
			if c > 0xFFFF || (c != '\n' && unicode.IsControl(c)) {
				t.Fatalf("clean(%q) kept %U", s, c)
			}
		}
		lines := r.wrap(text, w)
		var got strings.Builder
		for _, l := range lines {
			lw := r.f.GetStringWidth(l)
			if lw > w+1e-9 && utf8.RuneCountInString(l) > 1 {
				t.Fatalf("line %q is %.2f mm wide, more than %.2f", l, lw, w)
			}
			got.WriteString(l)
		}
		squeeze := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
		if squeeze(got.String()) != squeeze(text) {
			t.Fatalf("wrap(%q) = %q loses text", text, lines)
		}
		if err := r.f.Error(); err != nil {
			t.Fatalf("fpdf error: %v", err)
		}
	})
}
