package pdf

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var issued = time.Date(2027, 3, 15, 9, 30, 0, 0, time.UTC)

// tool returns the path of a poppler command. Without it the test fails,
// unless VITRINE_TEST_PDFTOTEXT=skip asks to skip the checks that need it.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("VITRINE_TEST_PDFTOTEXT") == "skip" {
		t.Skipf("%s is missing and VITRINE_TEST_PDFTOTEXT=skip", name)
	}
	t.Fatalf("%s is missing: install Debian's poppler-utils package to check PDF text, "+
		"or set VITRINE_TEST_PDFTOTEXT=skip to skip these checks", name)
	return ""
}

// writeTemp stores a PDF for the command-line tools.
func writeTemp(t *testing.T, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfText returns the text of pages first to last (0: to the end); extra
// arguments go to pdftotext.
func pdfText(t *testing.T, pdf []byte, first, last int, extra ...string) string {
	t.Helper()
	args := append([]string{"-enc", "UTF-8"}, extra...)
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first))
	}
	if last > 0 {
		args = append(args, "-l", strconv.Itoa(last))
	}
	args = append(args, writeTemp(t, pdf), "-")
	out, err := exec.Command(tool(t, "pdftotext"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// pdfInfo returns the fields printed by pdfinfo.
func pdfInfo(t *testing.T, pdf []byte) map[string]string {
	t.Helper()
	out, err := exec.Command(tool(t, "pdfinfo"), writeTemp(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	info := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

func pages(t *testing.T, pdf []byte) int {
	t.Helper()
	n, err := strconv.Atoi(pdfInfo(t, pdf)["Pages"])
	if err != nil {
		t.Fatalf("pdfinfo gives no page count: %v", err)
	}
	return n
}

// words joins the words of s with single spaces: text extraction turns
// no-break spaces into spaces and lines wrap anywhere.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func build(t *testing.T, d *Doc) []byte {
	t.Helper()
	b, err := d.Bytes()
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[max(0, len(b)-32):], []byte("%%EOF")) {
		t.Fatalf("output of %d bytes is not a PDF", len(b))
	}
	return b
}

func pageOf(page, pages int) string { return fmt.Sprintf("page %d / %d", page, pages) }

// certificate is a short document that uses every kind of block.
func certificate() *Doc {
	d := New("Attestation de participation — Commerce connecté", WithCreationDate(issued), WithAuthor("Vitrine — Commerce connecté"))
	d.Heading("Attestation de participation")
	d.Subheading("Formation « Créer et animer sa page Facebook »")
	d.Paragraph("Nous certifions que Mme Zoé Lœuvre, gérante de l’épicerie « Au cœur du goût » à Châtelet, " +
		"a suivi la formation ci-dessous. Son coût s’élève à 1\u202f234,56\u00a0€ — dont 105,00\u00a0€ payés par la Région.")
	d.Bullets("Première journée : 7 heures comptées", "Deuxième journée : une demi-journée, 4 heures au plus")
	d.KeyValues(KeyValue{"Participante", "Zoé Lœuvre"}, KeyValue{"Commerce", "Au cœur du goût, 6200 Châtelet"})
	d.Table([]string{"Date", "Module", "Heures"},
		[]string{"1 mars 2027", "Créer sa page", "7"},
		[]string{"2 mars 2027", "Animer une communauté", "4"})
	d.SmallText("Délivrée le 15 mars 2027 — référence VIT-2027-0001")
	d.PageNumbers(pageOf)
	return d
}

func TestTextComesBack(t *testing.T) {
	tests := []struct {
		name, text string
	}{
		{"French lower-case accents", "là âme Jäger leçon été très fête Noël île maïs hôte Döner où sûr Müller L’Haÿ"},
		{"French capitals", "À L’ÂME LEÇON ÉTÉ TRÈS FÊTE NOËL ÎLE MAÏS HÔTE DÖNER OÙ SÛR MÜLLER L’HAŸ"},
		{"ligatures", "œuvre Œdipe cæcum Æsop"},
		{"euro and no-break spaces", "1\u202f234,56\u00a0€"},
		{"typographic apostrophe", "l’été d’Aujourd’hui"},
		{"dashes", "un — deux – trois"},
		{"guillemets", "« Au cœur du goût »"},
		{"German", "Straße Größe Lüttich"},
		{"Dutch", "drieëntwintig café"},
		{"other scripts in the font", "Ωmega Жук"},
		{"long French word", "anticonstitutionnellement"},
	}
	d := New("Texte", WithCreationDate(issued))
	for _, tt := range tests {
		d.Paragraph(tt.text)
	}
	text := words(pdfText(t, build(t, d), 0, 0))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := words(tt.text); !strings.Contains(text, want) {
				t.Fatalf("extracted text lacks %q:\n%s", want, text)
			}
		})
	}
}

func TestEveryBlockPrints(t *testing.T) {
	pdf := build(t, certificate())
	text := words(pdfText(t, pdf, 0, 0))
	tests := []struct{ name, want string }{
		{"heading", "Attestation de participation"},
		{"subheading", "Formation « Créer et animer sa page Facebook »"},
		{"paragraph", "gérante de l’épicerie « Au cœur du goût » à Châtelet"},
		{"amount", "1 234,56 € — dont 105,00 €"},
		{"bullet", "• Première journée : 7 heures comptées"},
		{"key", "Participante"},
		{"value", "Au cœur du goût, 6200 Châtelet"},
		{"table header", "Module"},
		{"table cell", "Animer une communauté"},
		{"small text", "Délivrée le 15 mars 2027 — référence VIT-2027-0001"},
		{"footer", "page 1 / 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(text, tt.want) {
				t.Fatalf("extracted text lacks %q:\n%s", tt.want, text)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	pdf := build(t, certificate())
	info := pdfInfo(t, pdf)
	tests := []struct{ field, want string }{
		{"Title", "Attestation de participation — Commerce connecté"},
		{"Creator", "Vitrine"},
		{"Author", "Vitrine — Commerce connecté"},
		{"Page size", "595.28 x 841.89 pts (A4)"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if got := info[tt.field]; got != tt.want {
				t.Fatalf("%s = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
	t.Run("creation date", func(t *testing.T) {
		if !bytes.Contains(pdf, []byte("/CreationDate (D:20270315093000)")) {
			t.Fatal("the fixed creation date is not in the document")
		}
	})
	t.Run("language", func(t *testing.T) {
		for _, lang := range []string{"fr-BE", "de-BE"} {
			b := build(t, New("x", WithLanguage(lang), WithCreationDate(issued)))
			if !bytes.Contains(b, []byte("/Lang ("+lang+")")) {
				t.Errorf("no /Lang (%s) in the catalogue", lang)
			}
		}
		if b := build(t, New("x", WithLanguage("fr) /JS (x"))); bytes.Contains(b, []byte("/JS")) {
			t.Error("a malformed language tag reached the catalogue")
		}
	})
}

func TestPageCount(t *testing.T) {
	// One line paragraphs take bodyLine + paraGap; a page holds those whose
	// first line starts before the bottom margin.
	usable := 297.0 - bottomMargin - margin - bodyLine // A4 is 297 mm high
	perPage := int(usable/(bodyLine+paraGap)) + 1
	long := func(n int) *Doc {
		d := New("Long", WithCreationDate(issued))
		for i := range n {
			d.Paragraph(fmt.Sprintf("Paragraphe n° %d, une ligne.", i+1))
		}
		d.PageNumbers(pageOf)
		return d
	}
	breaks := New("Sauts", WithCreationDate(issued))
	breaks.Paragraph("un")
	breaks.PageBreak()
	breaks.Paragraph("deux")
	breaks.PageBreak()
	breaks.Paragraph("trois")
	breaks.PageNumbers(pageOf)

	tests := []struct {
		name  string
		doc   *Doc
		pages int
	}{
		{"empty", New("Vide", WithCreationDate(issued)), 1},
		{"short", certificate(), 1},
		{"exactly one page", long(perPage), 1},
		{"one paragraph more", long(perPage + 1), 2},
		{"long", long(3*perPage + 5), 4},
		{"page breaks", breaks, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := build(t, tt.doc)
			if got := pages(t, pdf); got != tt.pages {
				t.Fatalf("pdfinfo counts %d pages, want %d", got, tt.pages)
			}
			if tt.doc.footer == nil {
				return
			}
			for p := 1; p <= tt.pages; p++ {
				if want, text := pageOf(p, tt.pages), pdfText(t, pdf, p, p); !strings.Contains(text, want) {
					t.Errorf("page %d lacks %q:\n%s", p, want, text)
				}
			}
		})
	}
}

func TestTableHeaderRepeats(t *testing.T) {
	d := New("Tableau", WithCreationDate(issued))
	var rows [][]string
	for i := range 80 {
		rows = append(rows, []string{strconv.Itoa(i + 1), "Formation numérique n° " + strconv.Itoa(i+1)})
	}
	d.Table([]string{"N°", "Intitulé de la formation"}, rows...)
	pdf := build(t, d)
	n := pages(t, pdf)
	if n < 2 {
		t.Fatalf("80 rows fit on %d page", n)
	}
	for p := 1; p <= n; p++ {
		if text := pdfText(t, pdf, p, p); !strings.Contains(text, "Intitulé de la formation") {
			t.Errorf("page %d has no table header:\n%s", p, text)
		}
	}
	if text := words(pdfText(t, pdf, 0, 0)); !strings.Contains(text, "Formation numérique n° 80") {
		t.Error("the last row is missing")
	}
}

func TestDeterministic(t *testing.T) {
	a, b := build(t, certificate()), build(t, certificate())
	if !bytes.Equal(a, b) {
		t.Fatal("the same document gave different bytes")
	}
	other := certificate()
	other.created = issued.Add(time.Second)
	if bytes.Equal(a, build(t, other)) {
		t.Fatal("a different creation date gave the same bytes: the date is not written")
	}
}

// TestGolden compares the text of the certificate, as laid out on the
// page, with testdata/certificate.txt; run with -update to rewrite it.
func TestGolden(t *testing.T) {
	got := pdfText(t, build(t, certificate()), 0, 0, "-layout")
	path := filepath.Join("testdata", "certificate.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("text differs from %s (run with -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
