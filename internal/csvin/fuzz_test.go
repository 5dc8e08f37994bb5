package csvin

import (
	"encoding/csv"
	"errors"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzReader feeds arbitrary bytes to NewReader and Next: they must never
// panic nor loop, Decode must always give valid UTF-8, and records must come
// with increasing line numbers after the header.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"email,prénom,nom\na@b.be,Émile,Dupré\n",
		"\xef\xbb\xbfE-mail;Prénom;Nom\r\na@b.be;Zoé;Lœuvre\r\n",
		"Pr\xe9nom;Nom\r\nL\xe9a;C\x9cur \x80\r\n",
		"Prénom\tNom\nJean\tDe Smet\n",
		"nom;remarque\nA;\"ligne 1\nligne 2\"\nB;fin\n",
		"nom;remarque\nA;\"oops\nB;x\n",
		"Nom;Prénom\rDupont;Léa\r",
		"Taille 5\";Nom\n1;2\n",
		"a, \"b, c\", d\n1, \"2\"\"x\", 3\n",
		"",
		"\"",
		"\x00\xff\xfe",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	aliases := map[string][]string{"email": {"courriel", "e-mail"}, "first_name": {"prénom"}, "last_name": {"nom"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		if d := Decode(data); !utf8.Valid(d) {
			t.Fatalf("Decode(%q) = %q is not valid UTF-8", data, d)
		}
		rd, err := NewReader(data, aliases)
		if err != nil {
			return
		}
		prev := 1
		for calls := 0; ; calls++ {
			if calls > len(data)+2 {
				t.Fatalf("Next called %d times on %d bytes without io.EOF", calls, len(data))
			}
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var pe *csv.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Next error %v is not a *csv.ParseError", err)
				}
				if pe.StartLine <= prev || pe.Line < pe.StartLine {
					t.Fatalf("error lines %d–%d after line %d", pe.StartLine, pe.Line, prev)
				}
				prev = pe.Line
				continue
			}
			if rec.Line <= prev {
				t.Fatalf("record on line %d after line %d", rec.Line, prev)
			}
			prev = rec.Line
			for _, c := range []string{"email", "first_name", "last_name", "missing"} {
				if v := rec.Get(c); !utf8.ValidString(v) {
					t.Fatalf("Get(%s) = %q is not valid UTF-8", c, v)
				}
			}
			_ = rec.Blank()
		}
	})
}
