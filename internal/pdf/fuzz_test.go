package pdf

import (
	"bytes"
	"testing"
	"time"
)

// FuzzParagraph feeds arbitrary text to every kind of block: building the
// document must not panic and must give a non-empty PDF.
func FuzzParagraph(f *testing.F) {
	for _, s := range []string{
		"Zoé Lœuvre — 1\u202f234,56\u00a0€, l’été",
		"anticonstitutionnellement" + "anticonstitutionnellement",
		"a\nb\r\nc\td\u2028e",
		"😀 𝄞 \x00\x1b \xff\xfe",
		"\u00ad\u200d\u0301\ufffd\uffff",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := New(s, WithCreationDate(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)), WithAuthor(s), WithLanguage(s))
		d.Heading(s)
		d.Subheading(s)
		d.Paragraph(s)
		d.Bullets(s, s)
		d.KeyValues(KeyValue{s, s})
		d.Table([]string{s}, []string{s, s})
		d.SmallText(s)
		d.PageNumbers(func(int, int) string { return s })
		b, err := d.Bytes()
		if err != nil {
			t.Fatalf("Bytes(%q): %v", s, err)
		}
		if len(b) == 0 || !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("%%EOF")) {
			t.Fatalf("Bytes(%q) gave %d bytes that are not a PDF", s, len(b))
		}
	})
}
